"""Who may see and write what: the one scoping mechanism (SPEC §1 roles).

Visibility is a ``Q`` over sites, built from the user's memberships (data, editable in
the admin). Every scoped model's queryset offers ``visible_to(user)``, which filters
through that model's ``site_lookup`` to the visible sites, so no view filters by hand.

- executive: sees every portfolio; writes standards and capital plans.
- director: sees their portfolios; writes those portfolios' standard and capital plans.
- site manager: sees their sites; writes assets, work orders, windows, alerts and
  prevented failures there, and uploads data files for them.
- technician: sees their sites; writes alerts, work orders, prevented failures and their
  own certifications there.
- integrator: sees their sites through the API only; ingests into them.

A superuser (the operator) sees and writes everything.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from portfolio.models import Membership, Role

NOTHING = Q(pk__in=[])


class Action(StrEnum):
    """What a write does; each role may do some of these."""

    STANDARD = "edit the reliability standard"
    CAPITAL_PLAN = "edit capital plans"
    ASSET = "edit assets"
    WORK_ORDER = "write work orders"
    CHANGEOVER_WINDOW = "write changeover windows"
    ALERT = "acknowledge or close alerts"
    PREVENTED_FAILURE = "log prevented failures"
    CERTIFICATION = "record certifications"
    INGEST = "ingest data"


PORTFOLIO_ACTIONS = {Action.STANDARD, Action.CAPITAL_PLAN}
SITE_ACTIONS_BY_ROLE = {
    Role.SITE_MANAGER: {
        Action.ASSET,
        Action.WORK_ORDER,
        Action.CHANGEOVER_WINDOW,
        Action.ALERT,
        Action.PREVENTED_FAILURE,
        Action.INGEST,
    },
    Role.TECHNICIAN: {
        Action.ALERT,
        Action.WORK_ORDER,
        Action.PREVENTED_FAILURE,
        Action.CERTIFICATION,
    },
    Role.INTEGRATOR: {Action.INGEST},
}


def memberships(user) -> list[Membership]:
    """The user's memberships, read once per user object (a request's user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user))
        user._memberships_cache = cached
    return cached


def is_integrator_only(user) -> bool:
    """Integrators work through the API; they have no pages."""
    roles = {m.role for m in memberships(user)}
    return roles == {Role.INTEGRATOR} and not user.is_superuser


def sees_everything(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(m.role == Role.EXECUTIVE for m in memberships(user))


def visible_sites_q(user) -> Q:
    """A ``Q`` over Site selecting the sites ``user`` may see."""
    if sees_everything(user):
        return Q()
    condition = NOTHING
    for membership in memberships(user):
        if membership.role == Role.DIRECTOR:
            condition |= Q(portfolio_id=membership.portfolio_id)
        elif membership.site_id is not None:
            condition |= Q(pk=membership.site_id)
    return condition


def visible_people_q(user, person: str = "") -> Q:
    """A ``Q`` over rows about a person (``person``: the lookup to the user; "" for User
    itself) that ``user`` may see: their own, and those of people with a membership at a
    site or portfolio ``user`` sees. Combine with ``.distinct()``."""
    # models imports this module: import at call time.
    from portfolio.models import Portfolio, Site

    if sees_everything(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    prefix = f"{person}__" if person else ""
    sites = Site.objects.filter(visible_sites_q(user))
    portfolios = Portfolio.objects.filter(visible_portfolios_q(user))
    return (
        Q(**{person or "pk": user.pk})
        | Q(**{f"{prefix}memberships__site__in": sites})
        | Q(**{f"{prefix}memberships__portfolio__in": portfolios})
    )


def visible_portfolios_q(user) -> Q:
    """A ``Q`` over Portfolio: all for executives, assigned ones for directors.

    Site roles see their sites, not the portfolio as a whole.
    """
    if sees_everything(user):
        return Q()
    ids = [m.portfolio_id for m in memberships(user) if m.role == Role.DIRECTOR]
    return Q(pk__in=ids) if ids else NOTHING


def can_write_site(user, site_id: int | None, action: Action) -> bool:
    """May ``user`` do ``action`` at the site ``site_id``?"""
    if site_id is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and user.is_active:
        return True
    return any(
        m.site_id == site_id and action in SITE_ACTIONS_BY_ROLE.get(m.role, ())
        for m in memberships(user)
    )


def writable_site_ids(user, action: Action) -> set[int] | None:
    """The sites where ``user`` may do ``action``; None means every site (the operator)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    return {
        m.site_id
        for m in memberships(user)
        if m.site_id is not None and action in SITE_ACTIONS_BY_ROLE.get(m.role, ())
    }


def can_write_portfolio(user, portfolio_id: int | None, action: Action) -> bool:
    """May ``user`` do a portfolio-level ``action`` (standard, capital plan) there?"""
    if action not in PORTFOLIO_ACTIONS or portfolio_id is None:
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and user.is_active:
        return True
    return any(
        m.role == Role.EXECUTIVE or (m.role == Role.DIRECTOR and m.portfolio_id == portfolio_id)
        for m in memberships(user)
    )


def check_site_write(user, *, action: Action, site_id: int | None, previous_site_id=None):
    """Refuse creating a record at, or moving one into or out of, a site ``user`` may
    not write. ``previous_site_id`` is the record's site before the change (updates)."""
    for candidate in {site_id, previous_site_id} - {None} or {None}:
        if not can_write_site(user, candidate, action):
            raise PermissionDenied(f"You may not {action} at this site.")


def check_portfolio_write(user, *, action: Action, portfolio_id: int | None) -> None:
    if not can_write_portfolio(user, portfolio_id, action):
        raise PermissionDenied(f"You may not {action} of this portfolio.")


def can_create_portfolio(user) -> bool:
    """Executives and the operator create portfolios; directors run the ones they have."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or any(m.role == Role.EXECUTIVE for m in memberships(user))


def check_portfolio_create(user) -> None:
    if not can_create_portfolio(user):
        raise PermissionDenied("Only executives and the operator may create portfolios.")
