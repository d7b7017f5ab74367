"""Reads of the organisation: who holds a role where."""

from django.contrib.auth import get_user_model

from portfolio.models import Membership, Role


def people_with_role(*, role: str, site) -> list:
    """The active users who hold ``role`` at ``site``: its site managers (or technicians,
    integrators), the directors of its portfolio, or every executive; by username."""
    memberships = Membership.objects.filter(role=role)
    if role in (Role.SITE_MANAGER, Role.TECHNICIAN, Role.INTEGRATOR):
        memberships = memberships.filter(site=site)
    elif role == Role.DIRECTOR:
        memberships = memberships.filter(portfolio_id=site.portfolio_id)
    return list(
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"), is_active=True)
        .order_by("username")
    )
