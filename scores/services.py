"""Writes of the scores: a site's snapshots, a portfolio's standard and its capital plan.
Pages, the API, the admin, the command and the tasks all call these."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portfolio.access import Action, check_portfolio_write
from portfolio.models import Site
from reliability.alerting import alerts_evaluate
from scores import scheduling
from scores.figures.site import compute_site_figures
from scores.models import CapitalProposal, ReliabilityStandard, SiteScoreSnapshot
from scores.selectors import site_scoring_inputs
from scores.snapshot import MONEY_FIGURES

# --- Scores ------------------------------------------------------------------------------


def site_refresh(*, site_id: int, as_of: dt.date | None = None) -> SiteScoreSnapshot:
    """Bring a site's scores up to date: the one order of work for the task and the command.

    Today's scores (``as_of`` None) first turn new readings into alerts, since open alerts
    feed the coverage and response figures; a past day is scored from what is stored.
    """
    if as_of is None:
        alerts_evaluate(site_ids=[site_id])
    return site_recompute_scores(site_id=site_id, as_of=as_of)


def site_recompute_scores(*, site_id: int, as_of: dt.date | None = None) -> SiteScoreSnapshot:
    """Compute a site's figures as of a day and store them as its snapshot for that day.

    Reads through ``scores.selectors.site_scoring_inputs``, computes with the pure
    functions (``scores.figures.site``) and writes one row atomically: recomputing the
    same day again replaces it with the same figures (only ``computed_at`` moves).
    """
    as_of = as_of or timezone.now().date()
    inputs = site_scoring_inputs(site_id, as_of)
    figures = compute_site_figures(inputs)
    for name in MONEY_FIGURES:
        if figures[name] is not None:
            figures[name] = Decimal(str(round(figures[name], 2)))
    figures["risk_tier"] = figures["risk_tier"] or ""
    with transaction.atomic():
        snapshot, _ = SiteScoreSnapshot.objects.update_or_create(
            site_id=site_id,
            as_of=as_of,
            defaults={
                **figures,
                "computed_at": timezone.now(),
                "standard_version": int(inputs.standard["version"]),
            },
        )
    return snapshot


# --- Reliability standard ------------------------------------------------------------------


def standard_stamp_change(*, standard: ReliabilityStandard, user) -> None:
    """Mark a standard about to be saved with changes: next version, who changed it.

    Score snapshots cite the version they were computed with, so every saved change must
    raise it. A standard not yet saved keeps version 1.
    """
    if standard.pk:
        standard.version += 1
    standard.updated_by = user


def standard_create_default(*, portfolio) -> ReliabilityStandard:
    """The portfolio's standard with the SPEC §4 defaults, created once (with the
    portfolio: ``scores.receivers``); an existing standard is returned unchanged."""
    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=portfolio)
    return standard


#: Fields of the standard an edit never sets: its identity, and what standard_stamp_change
#: and the database keep.
STANDARD_FIXED_FIELDS = frozenset({"id", "portfolio", "version", "updated_at", "updated_by"})


class StandardConflict(Exception):
    """The standard was saved by someone else since the editor loaded it."""

    def __init__(self, standard: ReliabilityStandard):
        self.standard = standard
        who = standard.updated_by.get_username() if standard.updated_by else "someone else"
        super().__init__(
            f"{who} saved version {standard.version} of this standard while you were "
            "editing; nothing of yours was saved. Check the current values below and save "
            "again."
        )


def standard_update(
    *,
    standard: ReliabilityStandard,
    data: dict,
    user,
    based_on_version: int | None = None,
) -> ReliabilityStandard:
    """Save new thresholds of a portfolio's standard as its next version; recompute its sites.

    ``data`` maps field names to values (a form's cleaned_data; strings are converted as
    the model fields convert them). Values equal to the saved ones are ignored, so an
    unchanged form saves nothing and keeps the version. Otherwise, in one transaction: lock
    the row (two editors cannot both make version N + 1), apply the changes, raise the
    version and record the editor (``standard_stamp_change``), validate against the model's
    constraints (ValidationError naming the fields) and save; the audit log keeps each
    field's before and after. ``based_on_version``, when given, is the version the editor
    saw: a newer saved version raises StandardConflict instead of overwriting it. After
    commit every site of the portfolio is queued for a recompute (debounced,
    ``scores.scheduling.schedule_site_recompute``): each score is measured against the
    standard. Returns the saved, or unchanged, standard.
    """
    meta = ReliabilityStandard._meta
    names = {field.name for field in meta.concrete_fields}
    refused = sorted((set(data) - names) | (set(data) & STANDARD_FIXED_FIELDS))
    if refused:
        raise ValueError(f"standard_update cannot set {refused}")
    with transaction.atomic():
        current = ReliabilityStandard.objects.select_for_update().get(pk=standard.pk)
        changes = {}
        for name, value in data.items():
            value = meta.get_field(name).to_python(value)
            if getattr(current, name) != value:
                changes[name] = value
        if not changes:
            return current
        if based_on_version is not None and current.version != based_on_version:
            raise StandardConflict(current)
        for name, value in changes.items():
            setattr(current, name, value)
        standard_stamp_change(standard=current, user=user)
        # portfolio (unique) and updated_by (exists) are not being edited: skip their queries.
        current.full_clean(exclude=["portfolio", "updated_by"])
        current.save()
        site_ids = list(
            Site.objects.filter(portfolio_id=current.portfolio_id).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: scheduling.schedule_site_recompute(site_ids))
    return current


# --- Capital plan ----------------------------------------------------------------------------


def capital_plan_update(*, portfolio, lines: dict[int, tuple], user) -> int:
    """Set the proposed monitoring investment of the portfolio's sites.

    ``lines`` maps a site id to ``(amount, description)``; amount None removes the site's
    proposal. Sites not in ``lines`` keep theirs. Checks the user may edit the portfolio's
    capital plan (PermissionDenied) and that every site is in the portfolio (ValueError).
    Saves row by row in one transaction so the audit log keeps each change. Returns the
    number of proposals created, changed or removed.
    """
    check_portfolio_write(user, action=Action.CAPITAL_PLAN, portfolio_id=portfolio.pk)
    site_ids = set(Site.objects.filter(portfolio=portfolio).values_list("pk", flat=True))
    strangers = set(lines) - site_ids
    if strangers:
        raise ValueError(f"sites {sorted(strangers)} are not in {portfolio}")
    changed = 0
    with transaction.atomic():
        existing = {
            p.site_id: p
            for p in CapitalProposal.objects.select_for_update().filter(site_id__in=site_ids)
        }
        for site_id, (amount, description) in lines.items():
            current = existing.get(site_id)
            if amount is None:
                if current is not None:
                    current.delete()
                    changed += 1
                continue
            if current is None:
                current = CapitalProposal(site_id=site_id)
            elif current.amount == amount and current.description == description:
                continue
            current.amount, current.description, current.updated_by = amount, description, user
            current.save()
            changed += 1
    return changed
