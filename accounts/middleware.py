"""Integrator-only accounts have no pages, even with a session (SPEC §1 roles)."""

from django.core.exceptions import PermissionDenied

from portfolio.access import is_integrator_only

# Paths an integrator-only session may still reach: the API, signing in and out, and
# the unauthenticated infrastructure paths.
OPEN_TO_API_ONLY_ACCOUNTS = ("/api/", "/accounts/", "/static/", "/healthz")


class ApiOnlyAccountsMiddleware:
    """Answers 403 to any page requested by an integrator-only account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(OPEN_TO_API_ONLY_ACCOUNTS):
            return None
        user = request.user
        if user.is_authenticated and is_integrator_only(user):
            raise PermissionDenied("This account is for API access only; use an API token.")
        return None
