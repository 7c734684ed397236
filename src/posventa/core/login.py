"""The staff login's lockout (django-axes), shaped for Posventa.

A username tried from one IP address is locked out after `AXES_FAILURE_LIMIT` failures
within `AXES_COOLOFF_TIME`, for that cool-off, even with the right password; other users
and other addresses are not affected (settings.py). The locked-out person sees the login
page again, their username still in it, with a translated message saying when to try
again, answered 429 with Retry-After. Every failure, and every try during a lockout, is a
row of axes' access-failure log (admin, "Axes").

Axes locks a username per address, so one address trying many usernames (credential
stuffing) is held back by a second, generous limit: login posts per client IP
(`login_ip`, see `core.ratelimit`), answered the same way and logged the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.core import ratelimit
from posventa.core.ratelimit import client_ip, retry_after_header, try_again_message

LOGIN_TEMPLATE = "registration/login.html"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, for logins that come with a request.

    `authenticate()` without a request (a management command, a script, the test client's
    `login()`) has no client address to lock, and axes would raise; it is left to the
    next backend. Every login over HTTP (the login page, the admin) passes its request.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(  # type: ignore[no-any-return]
            request, username=username, password=password, **kwargs
        )


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: axes' own choice (the credentials, else the posted field),
    cut to its column's 255 characters. Django's login form does not enforce the
    username's length, and a longer one would make axes fail to save its record (500)."""
    value = (credentials or {}).get("username") if credentials else request.POST.get("username")
    return str(value)[:255] if value else None


def seconds_locked(username: str, ip_address: str, now: dt.datetime | None = None) -> int:
    """How long the lockout of `username` from `ip_address` still lasts, in whole seconds.

    A try during the lockout is not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    is off), so the lockout ends one cool-off after the failure that started it.
    """
    cool_off = get_cool_off() or dt.timedelta(0)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address or None)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return math.ceil(cool_off.total_seconds())
    left: dt.timedelta = last + cool_off - (now or timezone.now())
    return max(math.ceil(left.total_seconds()), 1)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with when to try again, as 429."""
    username = get_client_username(request, credentials) or ""
    ip_address = client_ip(request)
    if getattr(request, "axes_failures_since_start", None) is None:
        # Axes logged the failure that started the lockout, not the tries during it.
        _log_refused_try(request, username, ip_address)
    seconds = seconds_locked(username, ip_address)
    message = _("Too many failed attempts to log in as this user from your address.")
    return _login_refused(request, username, message, seconds)


class LoginView(auth_views.LoginView):
    """Django's login view behind the per-address limit on login posts."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verdict = ratelimit.hit("login_ip", client_ip(request))
        if not verdict.limited:
            return super().post(request, *args, **kwargs)
        username = str(request.POST.get("username", ""))[:150]
        _log_refused_try(request, username, client_ip(request))
        message = _("Too many attempts to log in from your address.")
        return _login_refused(request, username, message, verdict.retry_after)


def _log_refused_try(request: HttpRequest, username: str, ip_address: str) -> None:
    AccessFailureLog.objects.create(
        username=username[:255],
        ip_address=ip_address or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        http_accept=request.META.get("HTTP_ACCEPT", "")[:1025],
        path_info=request.META.get("PATH_INFO", "")[:255],
        locked_out=True,
    )


def _login_refused(request: HttpRequest, username: str, message: str, seconds: int) -> HttpResponse:
    form = AuthenticationForm(request, initial={"username": username})
    form.cleaned_data = {}  # an unbound form has none, and add_error expects them
    form.add_error(None, message + " " + try_again_message(seconds))
    next_url = request.POST.get("next", "") if request.method == "POST" else ""
    response = render(request, LOGIN_TEMPLATE, {"form": form, "next": next_url}, status=429)
    return retry_after_header(response, seconds)
