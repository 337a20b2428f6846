"""Pages that belong to no app: the home page, the CSRF failure page and /favicon.ico."""

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users land in their chats; everyone else on the welcome page."""
    if request.user.is_authenticated:
        return redirect("chat")
    return render(request, "home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)


@require_safe
def favicon(request: HttpRequest) -> FileResponse:
    """static/favicon.ico at the root, where browsers and feed readers look for it whatever
    the page links (pages link the SVG, static/favicon.svg). Cached for a day: its name
    has no hash to change when it does."""
    found = finders.find("favicon.ico")
    if not isinstance(found, str):
        raise Http404("no favicon")
    response = FileResponse(open(found, "rb"), content_type="image/x-icon")  # noqa: SIM115  # FileResponse closes it
    response["Cache-Control"] = "public, max-age=86400"
    return response
