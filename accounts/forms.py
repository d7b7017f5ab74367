"""The sign-in form: Django's, plus the lockout and the API-only refusal."""

import math

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from accounts.selectors import login_lockout_remaining
from accounts.services import client_ip, login_attempt_record
from portfolio.access import is_integrator_only


def lockout_message(remaining) -> str:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins for this account. Try again in %(minutes)d minute.",
        "Too many failed sign-ins for this account. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    """Refuses a locked-out account before checking its password, records every attempt
    it checks, and turns away integrator-only accounts (they use API tokens)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "api_only": "This account is for API access only; use an API token.",
    }

    @sensitive_variables()
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # a missing field is already reported on the field
        remaining = login_lockout_remaining(username=username)
        if remaining is not None:
            raise ValidationError(lockout_message(remaining), code="locked_out")
        ip = client_ip(self.request)
        try:
            cleaned_data = super().clean()
        except ValidationError:
            login_attempt_record(username=username, ip=ip, succeeded=False)
            raise
        login_attempt_record(username=username, ip=ip, succeeded=True)
        return cleaned_data

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_integrator_only(user):
            raise ValidationError(self.error_messages["api_only"], code="api_only")
