"""Settings → Bots: make bots, give them tokens (shown once), deactivate them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.access import access_bot
from parley.accounts.actions.bots import (
    check_create_bot,
    check_create_bot_token,
    check_set_bot_active,
    check_update_bot_profile,
)
from parley.accounts.actions.tokens import check_revoke_api_token
from parley.accounts.forms import ApiTokenForm, BotForm, ProfileForm
from parley.accounts.models import User
from parley.accounts.selectors import api_tokens_of, bots_of
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.integrations.outgoing.actions import (
    check_rotate_bot_endpoint_secret,
    check_set_bot_endpoint,
    deliveries_of,
)

_FORM_ERRORS = (ErrorCode.INVALID, ErrorCode.INVALID_TEXT, ErrorCode.CONFLICT, ErrorCode.FORBIDDEN)


@login_required
@rate_limit("bot", methods=("POST",))
@require_http_methods(["GET", "POST"])
def bots(request: AuthenticatedRequest) -> HttpResponse:
    form = BotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            bot = check_create_bot(request.user, **form.cleaned_data)
        except ParleyError as error:
            if error.code not in _FORM_ERRORS:
                raise
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, f"@{bot.username} is ready: give it a token.")
            return redirect("bot", bot.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "bots": bots_of(request.user)}
    return render(request, "accounts/bots.html", context, status=status)


@login_required
@rate_limit("token", methods=("POST",))
@require_http_methods(["GET", "POST"])
def bot(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    """One bot: its tokens (a new one shown once), its switch, its outgoing webhook and
    that webhook's delivery log."""
    owned = access_bot(request.user, bot_id)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                token, text = check_create_bot_token(request.user, bot_id, **form.cleaned_data)
            except ParleyError as error:
                if error.code not in _FORM_ERRORS:
                    raise
                form.add_error(None, error.message)
            else:
                context |= {"created": token, "token_text": text, "form": ApiTokenForm()}
                status = 201
    return _bot_page(request, owned, context, status)


def _bot_page(
    request: AuthenticatedRequest, bot: User, context: dict[str, object], status: int = 200
) -> HttpResponse:
    initial = {"display_name": bot.display_name, "bio": bot.bio}
    context = {
        "bot": bot,
        "form": ApiTokenForm(),
        "profile_form": ProfileForm(initial=initial),
        "endpoint_url": bot.bot_endpoint_url,
        "tokens": api_tokens_of(bot),
        "deliveries": deliveries_of(bot),
        **context,
    }
    return render(request, "accounts/bot.html", context, status=status)


@login_required
@rate_limit("bot")
@require_POST
def set_bot_endpoint(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    """Set or remove the bot's outgoing webhook; its first secret is shown once."""
    url = request.POST.get("endpoint_url", "")
    try:
        bot, secret = check_set_bot_endpoint(request.user, bot_id, url)
    except ParleyError as error:
        if error.code not in _FORM_ERRORS:
            raise
        owned = access_bot(request.user, bot_id)
        context: dict[str, object] = {"endpoint_error": error.message, "endpoint_url": url}
        return _bot_page(request, owned, context, status=400)
    if secret is None:
        messages.success(request, "The endpoint was saved." if url else "The endpoint was removed.")
        return redirect("bot", bot.pk)
    return _bot_page(request, bot, {"endpoint_secret": secret})


@login_required
@rate_limit("bot")
@require_POST
def rotate_bot_endpoint_secret(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    try:
        bot, secret = check_rotate_bot_endpoint_secret(request.user, bot_id)
    except ParleyError as error:
        if error.code not in _FORM_ERRORS:
            raise
        messages.error(request, error.message)
        return redirect("bot", bot_id)
    return _bot_page(request, bot, {"endpoint_secret": secret})


@login_required
@rate_limit("bot")
@require_POST
def set_bot_active(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    bot = check_set_bot_active(request.user, bot_id, active=active)
    messages.success(request, f"@{bot.username} is {'active' if active else 'deactivated'}.")
    return redirect("bot", bot.pk)


@login_required
@rate_limit("profile")
@require_POST
def bot_profile(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    """The bot's name, description and photo, as a person edits their own profile."""
    owned = access_bot(request.user, bot_id)
    form = ProfileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bot_page(request, owned, {"profile_form": form}, status=400)
    check_update_bot_profile(request.user, bot_id, **form.cleaned_data)
    messages.success(request, f"@{owned.username}'s profile was saved.")
    return redirect("bot", bot_id)


@login_required
@rate_limit("token")
@require_POST
def revoke_bot_token(request: AuthenticatedRequest, bot_id: int, token_id: int) -> HttpResponse:
    token = check_revoke_api_token(access_bot(request.user, bot_id), token_id)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("bot", bot_id)
