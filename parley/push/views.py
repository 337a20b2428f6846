"""The service worker (/sw.js, at the site's root so that its scope is every page), and
Settings → Notifications on this device: the browsers subscribed to Web Push."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from parley.core.http import AuthenticatedRequest, rate_limit
from parley.push import vapid
from parley.push.actions import check_remove_subscription
from parley.push.selectors import subscriptions_of

SERVICE_WORKER = "js/sw.js"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js as /sw.js: JavaScript, scope "/" allowed, revalidated on every
    check (a new version must reach browsers at their next visit, not after a cache's
    lifetime)."""
    path = finders.find(SERVICE_WORKER)
    if not isinstance(path, str):
        raise Http404("No service worker.")
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def push_settings(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "subscriptions": list(subscriptions_of(request.user)),
        "push_enabled": vapid.enabled(),
    }
    return render(request, "push/settings.html", context)


@login_required
@rate_limit("push")
@require_POST
def remove_subscription(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    removed = check_remove_subscription(request.user, subscription_id)
    messages.success(request, f"{removed.label or 'The browser'} gets no more pushes.")
    return redirect("push_settings")
