"""The audit log: every change to an audited model, with who made it.

Changes are recorded from model signals, so no write path (page, API, admin, shell) can
forget; the acting user comes from a context variable that ``AuditActorMiddleware`` sets
for each request (``acting_as`` does the same in commands and tests). Bulk writes
(``bulk_create``, ``QuerySet.update``) send no signals and are not audited: they are used
only by loaders of system data.
"""

import contextvars
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save, pre_save

from portfolio.models import AuditAction, AuditEntry

_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)
_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)
# Fields that change on every save and say nothing about the change itself.
IGNORED_FIELDS = {"updated_at", "created_at"}


@contextmanager
def acting_as(user):
    """Attribute the changes made inside the block to ``user``."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


class AuditActorMiddleware:
    """Makes the request's user the actor of any audited change during the request.

    The user is read when a change is recorded, not when the request arrives: DRF
    authenticates a token inside the view and then sets the user on this same request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_actor():
    """The user changes are attributed to: ``acting_as``'s, else the request's, else None."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def field_values(instance) -> dict:
    """The instance's concrete field values as JSON-safe values, by attribute name."""
    return {
        field.attname: _json_safe(field, getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in IGNORED_FIELDS
    }


def field_changes(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields whose value differs."""
    names = list(after) or list(before)
    return {
        name: [before.get(name), after.get(name)]
        for name in names
        if before.get(name) != after.get(name)
    }


def _json_safe(field, value):
    if isinstance(value, Decimal):
        # To the column's scale, so 0.25 in memory equals 0.250 read back from the database.
        return f"{value:.{field.decimal_places}f}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _record(instance, action: str, changes: dict) -> None:
    actor = current_actor()
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=_describe(instance),
        changes=changes,
    )


def _describe(instance) -> str:
    """``str(instance)``, or "Model #pk" when that needs rows a cascade already deleted."""
    try:
        return str(instance)[:200]
    except ObjectDoesNotExist:
        return f"{instance._meta.verbose_name} #{instance.pk}"


def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = field_values(previous) if previous is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = field_values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        _record(instance, AuditAction.CREATE, field_changes({}, after))
        return
    changes = field_changes(before, after)
    if changes:
        _record(instance, AuditAction.UPDATE, changes)


def _after_delete(sender, instance, **kwargs):
    _record(instance, AuditAction.DELETE, field_changes(field_values(instance), {}))


def register(model) -> None:
    """Log every change to ``model``: each app registers its audited models in its
    ``AppConfig.ready`` (memberships here; the standard and capital plan in scores,
    prevented failures in reliability)."""
    uid = f"audit-{model._meta.label_lower}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}-post")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}-delete")
