"""Pages that belong to no app: the home page and the CSRF failure page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users land in their chats; everyone else on the welcome page."""
    if request.user.is_authenticated:
        return redirect("chat")
    return render(request, "home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)
