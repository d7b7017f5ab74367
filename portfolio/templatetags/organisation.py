"""``{% if user|may_create_portfolio %}``: the link to the new-portfolio form, shown where
executives see portfolios (the portfolio page, the site list)."""

from django import template

from portfolio.access import can_create_portfolio

register = template.Library()


@register.filter
def may_create_portfolio(user) -> bool:
    return can_create_portfolio(user)
