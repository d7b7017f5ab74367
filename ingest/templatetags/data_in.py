"""``{% if user|may_load_data %}``: the "Data in" menu item, shown to those who may load a
kind of data somewhere (site managers and the operator), not to those the page refuses."""

from django import template

from ingest.kinds import loadable_kinds

register = template.Library()


@register.filter
def may_load_data(user) -> bool:
    return bool(loadable_kinds(user))
