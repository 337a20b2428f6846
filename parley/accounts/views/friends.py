"""People and friends pages: search, friend requests, unfriending and blocking. Each POST
calls an action of parley.accounts.actions.friends and redirects back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from parley.accounts import selectors
from parley.accounts.access import access_user
from parley.accounts.actions import friends
from parley.accounts.selectors import Relationship
from parley.core.http import AuthenticatedRequest, query_int, rate_limit


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def people(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:64]
    page = selectors.people_search(request.user, query, query_int(request, "page", minimum=1) or 1)
    return render(request, "accounts/people.html", {"query": query, "page": page})


@login_required
@require_GET
def friend_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/friends.html",
        {
            "friends": selectors.friends_of(user),
            "incoming": selectors.incoming_requests(user),
            "outgoing": selectors.outgoing_requests(user),
            "blocked": selectors.blocked_by(user),
        },
    )


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def send_request(request: AuthenticatedRequest, username: str) -> HttpResponse:
    target = access_user(username)
    outcome = friends.check_send_friend_request(request.user, target)
    if outcome is Relationship.FRIENDS:
        messages.success(request, f"You and {target.name} are now friends.")
    else:
        messages.success(request, f"Friend request sent to {target.name}.")
    return _back(request, target.get_absolute_url())


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def remove(request: AuthenticatedRequest, username: str) -> HttpResponse:
    target = access_user(username)
    friends.check_remove_friend(request.user, target)
    messages.success(request, f"You are no longer friends with {target.name}.")
    return _back(request, target.get_absolute_url())


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def block(request: AuthenticatedRequest, username: str) -> HttpResponse:
    target = access_user(username)
    friends.check_block_user(request.user, target)
    messages.success(request, f"You blocked {target.name}.")
    return _back(request, target.get_absolute_url())


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def unblock(request: AuthenticatedRequest, username: str) -> HttpResponse:
    target = access_user(username)
    friends.do_unblock_user(request.user, target)
    messages.success(request, f"You unblocked {target.name}.")
    return _back(request, target.get_absolute_url())


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def accept(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    friend = friends.check_accept_friend_request(request.user, request_id)
    messages.success(request, f"You and {friend.name} are now friends.")
    return _back(request, "friends")


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def decline(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    friends.check_decline_friend_request(request.user, request_id)
    messages.success(request, "Friend request declined.")
    return _back(request, "friends")


@login_required
@rate_limit("friend", methods=("POST",))
@require_POST
def cancel(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    friends.check_cancel_friend_request(request.user, request_id)
    messages.success(request, "Friend request cancelled.")
    return _back(request, "friends")
