"""Starting a group conversation from the web: pick friends, then go to the chat page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from parley.accounts.selectors import friends_of
from parley.core.errors import ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.messaging.actions.groups import GROUP_MIN, check_create_group
from parley.messaging.forms import GroupForm
from parley.messaging.views.rooms import show_refusal


@login_required
@rate_limit("room", methods=("POST",))
@require_http_methods(["GET", "POST"])
def group_new(request: AuthenticatedRequest) -> HttpResponse:
    """2 to 19 friends and an optional title make a group; the chat page opens it."""
    friends = friends_of(request.user)
    form = GroupForm(request.POST if request.method == "POST" else None, friends=friends)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            people = form.cleaned_data["people"]
            try:
                group = check_create_group(
                    request.user, [p.pk for p in people], form.cleaned_data["title"]
                )
            except ParleyError as exc:
                status = show_refusal(form, exc)
            else:
                return redirect(f"/chat/{group.pk}/")
    return render(
        request,
        "messaging/groups/new.html",
        {"form": form, "enough_friends": friends.count() >= GROUP_MIN - 1},
        status=status,
    )
