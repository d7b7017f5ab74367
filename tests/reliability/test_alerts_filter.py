"""The alerts page's open/closed filter in words; the API keeps open=true/false."""

import datetime as dt
import re

import pytest

from tests.factories import AlertFactory
from tests.people import client_for

CLOSED_AT = dt.datetime(2026, 3, 5, 7, tzinfo=dt.UTC)


@pytest.fixture
def alerts_at_a(world):
    """One open and one closed alert on site A's asset."""
    opened = AlertFactory(asset=world.asset_a)
    closed = AlertFactory(
        asset=world.asset_a,
        metric="temperature",
        status="closed",
        closed_at=CLOSED_AT,
        resolution="false_alarm",
    )
    return opened, closed


def open_choices(page) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select name="open".*?</select>', page.content.decode(), re.S).group(0)
    return [
        (value, words, bool(selected))
        for value, selected, words in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_the_page_offers_open_closed_or_all_in_words(world, alerts_at_a):
    page = client_for(world, "tech_a").get("/alerts/")
    assert open_choices(page) == [
        ("true", "Open alerts", True),  # the page's default
        ("false", "Closed alerts", False),
        ("unknown", "All alerts", False),
    ]
    text = page.content.decode()
    assert "(true)" not in text and "(false)" not in text
    assert '<label for="id_open">Show:</label>' in text


@pytest.mark.parametrize(
    ("choice", "shown"),
    [("true", {"open"}), ("false", {"closed"}), ("unknown", {"open", "closed"})],
)
def test_each_choice_lists_its_alerts(world, alerts_at_a, choice, shown):
    page = client_for(world, "tech_a").get("/alerts/", {"open": choice})
    assert {a.status for a in page.context["page"].object_list} == shown


@pytest.mark.parametrize(("value", "statuses"), [("true", {"open"}), ("false", {"closed"})])
def test_the_api_still_reads_open_true_or_false(world, alerts_at_a, value, statuses):
    response = client_for(world, "tech_a").get("/api/v1/alerts/", {"open": value})
    assert response.status_code == 200
    assert {a["status"] for a in response.json()["results"]} == statuses


def test_the_api_schema_documents_open_as_a_boolean_with_its_meaning(world):
    schema = client_for(world, "tech_a").get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/alerts/"]["get"]["parameters"]
    open_parameter = next(p for p in parameters if p["name"] == "open")
    assert open_parameter["schema"] == {"type": "boolean"}
    assert "true" in open_parameter["description"] and "false" in open_parameter["description"]
