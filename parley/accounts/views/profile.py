"""Profile pages: someone's profile, editing your own, and serving avatar files to
signed-in users."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.accounts.access import access_user
from parley.accounts.actions.profile import THEMES, do_set_theme, do_update_profile
from parley.accounts.context_processors import theme_choice
from parley.accounts.forms import ProfileForm
from parley.accounts.selectors import relationship
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.messaging.access import may_message_directly

_AVATAR_NAME = re.compile(r"^[A-Za-z0-9_-]{8,64}-\d{2,4}\.webp\Z")


@login_required
@require_GET
def profile(request: AuthenticatedRequest, username: str) -> HttpResponse:
    person = access_user(username)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "relationship": relationship(request.user, person),
            "can_message": person.pk != request.user.pk
            and may_message_directly(request.user, person),
        },
    )


@login_required
@rate_limit("profile", methods=("POST",))
@require_http_methods(["GET", "POST"])
def edit_profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.display_name, "bio": user.bio}
    bound = request.method == "POST"
    form = ProfileForm(
        request.POST if bound else None, request.FILES if bound else None, initial=initial
    )
    if request.method == "POST":
        if form.is_valid():
            do_update_profile(user, **form.cleaned_data)
            messages.success(request, "Your profile was saved.")
            return redirect("edit_profile")
        context = _profile_context(request, form)
        return render(request, "accounts/edit_profile.html", context, status=400)
    return render(request, "accounts/edit_profile.html", _profile_context(request, form))


def _profile_context(request: AuthenticatedRequest, form: ProfileForm) -> dict[str, object]:
    return {"form": form, "theme_choice": theme_choice(request), "themes": THEMES}


@login_required
@rate_limit("profile", methods=("POST",))
@require_POST
def set_theme(request: AuthenticatedRequest) -> HttpResponse:
    """Keep the theme on the account, for every browser the user signs in on. The
    settings page's script sends it as it is chosen (204); without the script, the form
    comes back to the settings page."""
    theme = request.POST.get("theme", "")
    if theme not in THEMES:
        raise ParleyError(ErrorCode.INVALID, "Choose system, light or dark.", field="theme")
    do_set_theme(request.user, theme)
    if "application/json" in request.headers.get("Accept", ""):
        return HttpResponse(status=204)
    messages.success(request, "Your theme was saved.")
    return redirect("edit_profile")


@login_required
@require_GET
def avatar(request: AuthenticatedRequest, name: str) -> FileResponse:
    """Serve a stored avatar to signed-in users, always as a WebP image.

    The file names are unguessable and never reused, so browsers may cache them for good.
    """
    path = f"avatars/{name}"
    if not _AVATAR_NAME.match(name) or not default_storage.exists(path):
        raise Http404("No such photo.")
    response = FileResponse(default_storage.open(path), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
