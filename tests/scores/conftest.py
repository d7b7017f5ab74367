"""Fixtures of the scores' tests."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from portfolio.models import Site

DEMO_END = dt.date(2026, 11, 1)  # the demo's data ends at the start of this day


@pytest.fixture
def demo(db):
    """The small demo (seed 7, data to 2026-11-01): its main portfolio's sites, by code."""
    call_command(
        "seed_demo",
        "--scale",
        "small",
        "--seed",
        "7",
        "--end-date",
        DEMO_END.isoformat(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Site.objects.filter(portfolio__is_acquisition_target=False).order_by("code")
