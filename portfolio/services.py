"""Writes of the organisation: creating a portfolio."""

from django.core.exceptions import ValidationError
from django.db import transaction

from portfolio.access import check_portfolio_create
from portfolio.models import Portfolio
from portfolio.validation import clean_currency, clean_portfolio_code


def portfolio_create(
    *, user, code: str, name: str, currency: str = "USD", is_acquisition_target: bool = False
) -> Portfolio:
    """Create a portfolio (executives and the operator only). Its standard and escalation
    rules are made by the post_save receivers of scores and reliability, in this same
    transaction. Raises PermissionDenied, or ValidationError naming every bad field."""
    check_portfolio_create(user)
    portfolio = Portfolio(name=name, is_acquisition_target=is_acquisition_target)
    errors: dict[str, list[str]] = {}
    for field, raw, clean in (
        ("code", code, clean_portfolio_code),
        ("currency", currency, clean_currency),
    ):
        try:
            setattr(portfolio, field, clean(raw))
        except ValidationError as exc:
            errors[field] = exc.messages
    try:
        portfolio.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        portfolio.save()
    return portfolio
