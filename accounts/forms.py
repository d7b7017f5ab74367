"""The sign-in forms: Django's (ours and the admin's), plus the lockout and the API-only
refusal. Every sign-in route uses one of them, so one lockout holds for all of them."""

import math

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from accounts.selectors import address_lockout_remaining, login_lockout_remaining
from accounts.services import client_ip, login_attempt_record, sign_in_serialized
from portfolio.access import is_integrator_only


def _minutes(remaining) -> int:
    return max(1, math.ceil(remaining.total_seconds() / 60))


def _too_many(whose: str, remaining) -> str:
    minutes = _minutes(remaining)
    wait = ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}
    return f"Too many failed sign-ins {whose}. Try again in {wait}."


def lockout_message(remaining) -> str:
    return _too_many("for this account", remaining)


def address_lockout_message(remaining) -> str:
    return _too_many("from your address", remaining)


class LockoutMixin:
    """Refuses a locked-out address or account before checking the password, and records
    every attempt it checks. Mixed into an ``AuthenticationForm``."""

    @sensitive_variables()
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # a missing field is already reported on the field
        ip = client_ip(self.request)
        with sign_in_serialized(ip=ip, username=username):
            remaining = address_lockout_remaining(ip=ip)
            if remaining is not None:
                raise ValidationError(address_lockout_message(remaining), code="address_locked_out")
            remaining = login_lockout_remaining(username=username, ip=ip)
            if remaining is not None:
                raise ValidationError(lockout_message(remaining), code="locked_out")
            # The refusal is raised after the block: raised inside, it would roll back the
            # failure just recorded.
            refused = None
            try:
                cleaned_data = super().clean()
            except ValidationError as exc:
                refused = exc
            if refused is None:
                login_attempt_record(username=username, ip=ip, succeeded=True)
            elif self.get_user() is None:
                # The right password for an account this route turns away (not staff at
                # the admin, API-only at ours) is not a guess: it is not counted.
                login_attempt_record(username=username, ip=ip, succeeded=False)
        if refused is not None:
            raise refused
        return cleaned_data


class LoginForm(LockoutMixin, AuthenticationForm):
    """Our sign-in page: the lockout, and integrator-only accounts turned away (they use
    API tokens)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "api_only": "This account is for API access only; use an API token.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_integrator_only(user):
            raise ValidationError(self.error_messages["api_only"], code="api_only")


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's sign-in page (staff only, as Django's), under the same lockout."""
