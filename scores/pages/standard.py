"""The reliability standard page (SPEC §4): its values in the admin's grouping, the edit
form, and the versions so far from the audit log."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from scores import selectors
from scores.forms import (
    FRACTION_FIELDS,
    STANDARD_GROUPS,
    STANDARD_UNITS,
    percent_text,
    standard_help,
    standard_label,
)

HISTORY_PAGE_SIZE = 50
# Shown as "who" and "version" of an entry, not among its changed fields.
HISTORY_OWN_COLUMNS = {"version", "updated_by_id"}


@dataclass
class StandardPage:
    """The reliability standard page (templates/scores/standard.html): its values in the
    admin's grouping, the edit form for those who may edit, and the versions so far."""

    portfolio: object
    standard: object
    form: object | None
    groups: list[tuple[str, list[dict]]]
    page: Page  # the history, paginated (includes/pager.html reads ``page``)
    history: list[dict]


def standard_page(portfolio, standard, *, form, history_page: str | None) -> StandardPage:
    """The standard as saved, with ``form`` (None for viewers who may not edit it, or the
    posted form with its errors) and page ``history_page`` of its history."""
    page = Paginator(selectors.standard_history(standard), HISTORY_PAGE_SIZE).get_page(history_page)
    return StandardPage(
        portfolio=portfolio,
        standard=standard,
        form=form,
        groups=_standard_groups(standard, form),
        page=page,
        history=[_history_row(entry) for entry in page.object_list],
    )


def _standard_groups(standard, form) -> list[tuple[str, list[dict]]]:
    """(title, rows) in the admin's grouping; each row the field's saved value, unit, help
    and (for editors) its form field."""
    return [
        (
            title,
            [
                {
                    "name": name,
                    "label": standard_label(name),
                    "value": _shown(name, getattr(standard, name)),
                    "unit": STANDARD_UNITS[name],
                    "is_fraction": name in FRACTION_FIELDS,
                    "field": form[name] if form is not None else None,
                    "help": standard_help(name),
                }
                for name in names
            ],
        )
        for title, names in STANDARD_GROUPS
    ]


def _shown(name: str, value):
    """A standard's value as the page shows it: a fraction as its percentage ("90", the unit
    "%" beside it), as the form takes it; anything else as stored."""
    if name in FRACTION_FIELDS and value is not None:
        return percent_text(value)
    return value


def _history_row(entry) -> dict:
    """An audit entry as the history table shows it: the version step and each changed
    field by its readable name, with its unit."""
    version = entry.changes.get("version") or [None, None]
    fields = [
        {
            "label": standard_label(name),
            "before": _shown(name, before),
            "after": _shown(name, after),
            "unit": STANDARD_UNITS.get(name, ""),
        }
        for name, (before, after) in entry.changes.items()
        if name not in HISTORY_OWN_COLUMNS and name in STANDARD_UNITS
    ]
    return {
        "at": entry.at,
        "who": entry.actor_name,
        "action": entry.action,
        "action_display": entry.get_action_display(),
        "version_before": version[0],
        "version_after": version[1],
        "fields": fields,
    }
