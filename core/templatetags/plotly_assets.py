"""``{% plotly_style_guards %}``: the elements that keep plotly.js from injecting <style>
elements our CSP refuses (see config/staticfinders.py)."""

from django import template
from django.utils.html import format_html_join

from core.staticfiles import plotly_style_guards as guard_ids

register = template.Library()


@register.simple_tag
def plotly_style_guards():
    return format_html_join(
        "", '<span hidden class="plotly-style-guard" id="{}"></span>', ((i,) for i in guard_ids())
    )
