"""Settings → API tokens: list, create (the token shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.actions.tokens import check_create_api_token, check_revoke_api_token
from parley.accounts.forms import ApiTokenForm
from parley.accounts.selectors import api_tokens_of
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit


@login_required
@rate_limit("token", methods=("POST",))
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "tokens": api_tokens_of(request.user)}
    if request.method == "POST":
        if form.is_valid():
            try:
                token, text = check_create_api_token(request.user, **form.cleaned_data)
            except ParleyError as error:
                if error.code not in (ErrorCode.INVALID, ErrorCode.CONFLICT):
                    raise
                form.add_error(error.details.get("field"), error.message)
            else:
                # Shown on this answer only (not a redirect: it must not land in a
                # message cookie or the history); the page says so.
                context |= {"created": token, "token_text": text, "form": ApiTokenForm()}
                return render(request, "accounts/api_tokens.html", context, status=201)
        return render(request, "accounts/api_tokens.html", context, status=400)
    return render(request, "accounts/api_tokens.html", context)


@login_required
@rate_limit("token")
@require_POST
def revoke_api_token(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = check_revoke_api_token(request.user, token_id)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("api_tokens")
