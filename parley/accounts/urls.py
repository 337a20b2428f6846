"""Sign-up, sign-in, password and profile pages, people and friends."""

from django.urls import path

from parley.accounts.views import auth, bots, friends, profile, tokens

urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("settings/profile/", profile.edit_profile, name="edit_profile"),
    path("settings/theme/", profile.set_theme, name="set_theme"),
    path("settings/tokens/", tokens.api_tokens, name="api_tokens"),
    path("settings/tokens/<id:token_id>/revoke/", tokens.revoke_api_token, name="revoke_api_token"),
    path("settings/bots/", bots.bots, name="bots"),
    path("settings/bots/<id:bot_id>/", bots.bot, name="bot"),
    path("settings/bots/<id:bot_id>/active/", bots.set_bot_active, name="set_bot_active"),
    path("settings/bots/<id:bot_id>/profile/", bots.bot_profile, name="bot_profile"),
    path("settings/bots/<id:bot_id>/endpoint/", bots.set_bot_endpoint, name="set_bot_endpoint"),
    path(
        "settings/bots/<id:bot_id>/endpoint/secret/",
        bots.rotate_bot_endpoint_secret,
        name="rotate_bot_endpoint_secret",
    ),
    path(
        "settings/bots/<id:bot_id>/tokens/<id:token_id>/revoke/",
        bots.revoke_bot_token,
        name="revoke_bot_token",
    ),
    path("settings/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("settings/sessions/end-others/", auth.log_out_elsewhere, name="log_out_elsewhere"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("people/", friends.people, name="people"),
    path("people/<str:username>/", profile.profile, name="profile"),
    path("people/<str:username>/befriend/", friends.send_request, name="befriend"),
    path("people/<str:username>/unfriend/", friends.remove, name="unfriend"),
    path("people/<str:username>/block/", friends.block, name="block"),
    path("people/<str:username>/unblock/", friends.unblock, name="unblock"),
    path("friends/", friends.friend_list, name="friends"),
    path("friends/requests/<id:request_id>/accept/", friends.accept, name="accept_request"),
    path("friends/requests/<id:request_id>/decline/", friends.decline, name="decline_request"),
    path("friends/requests/<id:request_id>/cancel/", friends.cancel, name="cancel_request"),
    path("media/avatars/<str:name>", profile.avatar, name="avatar"),
]
