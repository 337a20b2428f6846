"""Sign-up, sign-in and out, password change and reset: Django's views with Parley's forms,
rate limits, and the ending of other sessions when credentials change."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.actions.profile import do_register_user
from parley.accounts.forms import LoginForm, SignupForm
from parley.accounts.sessions import log_out_other_sessions
from parley.core.http import rate_limit


@sensitive_post_parameters("password1", "password2")
@rate_limit("account", methods=("POST",))
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = do_register_user(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="parley.accounts.backends.UsernameOrEmailBackend")
        messages.success(request, f"Welcome to Parley, {user.username}!")
        return redirect("edit_profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]  # narrower form
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("edit_profile")

    def form_valid(self, form: Any) -> HttpResponse:
        # Every other login session ends, sockets included (parley.accounts.sessions);
        # Django's view keeps this one.
        response = super().form_valid(form)
        messages.success(
            self.request, "Your password was changed. You were signed out everywhere else."
        )
        return response


@login_required
@require_POST
def log_out_elsewhere(request: HttpRequest) -> HttpResponse:
    """Sign out every other login session of the user (their sockets close at once)."""
    log_out_other_sessions(request)
    messages.success(request, "You were signed out everywhere else.")
    return redirect("edit_profile")


@method_decorator(rate_limit("account", methods=("POST",)), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
