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
)
from parley.accounts.actions.tokens import check_revoke_api_token
from parley.accounts.forms import ApiTokenForm, BotForm
from parley.accounts.selectors import api_tokens_of, bots_of
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit

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
    """One bot: its tokens (a new one shown once) and its switch."""
    owned = access_bot(request.user, bot_id)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"bot": owned, "form": form}
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
    context["tokens"] = api_tokens_of(owned)
    return render(request, "accounts/bot.html", context, status=status)


@login_required
@rate_limit("bot")
@require_POST
def set_bot_active(request: AuthenticatedRequest, bot_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    bot = check_set_bot_active(request.user, bot_id, active=active)
    messages.success(request, f"@{bot.username} is {'active' if active else 'deactivated'}.")
    return redirect("bot", bot.pk)


@login_required
@rate_limit("token")
@require_POST
def revoke_bot_token(request: AuthenticatedRequest, bot_id: int, token_id: int) -> HttpResponse:
    token = check_revoke_api_token(access_bot(request.user, bot_id), token_id)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("bot", bot_id)
