"""The dashboards in a real browser, as each demo role: portfolio → site → asset → OEM pages
draw their Plotly charts under the site's strict CSP, a technician cannot open another site's
pages, and a filter lands in the URL and changes the page. Every page is saved as a
screenshot in test-artifacts/screenshots/ (or $TEST_ARTIFACTS_DIR/screenshots/), git-ignored.

The small demo takes 5-15 s to load and score: too long to repeat per test, and a test on the
``live_server`` fixture gets a transactional database that is emptied after each test. So
this module loads the demo once, committed, serves it from a live server of its own, and
puts the database back as it was after its last test. Its tests only read.
"""

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import modify_settings
from django.urls import reverse

from tests.browser import (
    chromium,
    console_errors,
    require_chromium,
    save_page_screenshot,
    sign_in,
    wait_until,
)

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # the demo fixture skips, or fails under CI=true, saying why
    By = Select = None

END = "2026-11-01"  # the demo's end date: same seed and end date, same data
# demo/generator.py _add_people: the director sees the main portfolio; the
# manager and the technician work at its first site.
PORTFOLIO, HOME_SITE, OTHER_SITE = "great-lakes", "site-a", "site-b"
LANDING = {"vp": "portfolio", "director": "portfolio", "manager": "site", "tech": "site"}
NOT_FOUND = (r"status of 404 \(Not Found\)",)  # Chromium logs every 404 it is served

# Each test in a transaction that it leaves unused: the data is the module's, committed
# for the live server's threads.
pytestmark = pytest.mark.django_db

ALL_CHARTS_DRAWN = """
return document.readyState === "complete" && Array.from(document.querySelectorAll("div.plot"))
  .every(function (div) { return div.dataset.rendered === "true"; });
"""
# A chart counts as drawn when Plotly put its SVG in the div, and Plotly's own stylesheet
# applies: without it its SVG layers stack, so legends and hover labels fall below the chart.
CHARTS_WITHOUT_SVG = """
return Array.from(document.querySelectorAll("div.plot")).filter(function (div) {
  var svg = div.querySelector("svg.main-svg");
  return !svg || getComputedStyle(svg).position !== "absolute";
}).map(function (div) { return div.dataset.figure; });
"""


@dataclass(frozen=True)
class Demo:
    """Where the live server is and the demo rows the tests open."""

    url: str
    asset: int  # a Tier 1 asset of the home site with an active sensor
    other_asset: int  # an asset of another site
    relationship: int  # an OEM relationship of the home site
    customer: str  # its customer's code
    customer_penalties_at_home: bool  # whether that customer has penalties at HOME_SITE
    other_relationship: int  # an OEM relationship of another site
    other_site_name: str


def _demo_rows(url: str) -> Demo:
    from oem.models import OEMRelationship, PenaltyRecord
    from portfolio.models import Site
    from reliability.models import Asset, Sensor

    asset = (
        Sensor.objects.filter(asset__site__code=HOME_SITE, asset__tier=1, is_active=True)
        .order_by("asset__code")
        .values_list("asset_id", flat=True)
        .first()
    )
    relationship = (
        OEMRelationship.objects.filter(site__code=HOME_SITE)
        .order_by("customer__code")
        .values("pk", "customer__code")
        .first()
    )
    return Demo(
        url=url,
        asset=asset,
        other_asset=Asset.objects.filter(site__code=OTHER_SITE).order_by("code")[0].pk,
        relationship=relationship["pk"],
        customer=relationship["customer__code"],
        customer_penalties_at_home=PenaltyRecord.objects.filter(
            relationship__customer__code=relationship["customer__code"],
            relationship__site__code=HOME_SITE,
        ).exists(),
        other_relationship=OEMRelationship.objects.filter(site__code=OTHER_SITE)[0].pk,
        other_site_name=Site.objects.get(code=OTHER_SITE).name,
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The small demo, loaded, scored and committed once, served by a live server; then the
    database as it was before (the migrations' rows, e.g. the failure-mode catalogue, which
    the module's neighbours in the non-transactional group of tests read)."""
    require_chromium()  # before spending seconds on data the tests would not use
    from pytest_django.live_server_helper import LiveServer

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    with django_db_blocker.unblock():
        # The module's django_db mark makes pytest-django create the test database; this
        # fixture commits to it and empties it, so it must never be another database.
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict
        before = connection.creation.serialize_db_to_string()
        try:
            call_command("seed_demo", "--scale", "small", "--seed", "7", "--end-date", END, **quiet)
            call_command("recompute", "--as-of", END, "--backfill-quarters", "4", **quiet)
            server = LiveServer("localhost")
            try:
                with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
                    yield _demo_rows(server.url)
            finally:
                server.stop()
        finally:
            # As TransactionTestCase's serialized_rollback does it.
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(before)


def screenshot_path(name: str) -> Path:
    root = os.environ.get("TEST_ARTIFACTS_DIR") or Path(__file__).parents[2] / "test-artifacts"
    return Path(root) / "screenshots" / f"{name}.png"


def path_of(driver) -> str:
    return re.sub(r"^https?://[^/]+", "", driver.current_url)


def arrive(driver, path: str, what: str) -> None:
    wait_until(driver, lambda d: path_of(d) == path, f"{what} at {path}")


def charts_checked(driver, name: str) -> int:
    """Waits until every chart on the page is drawn, saves the page's screenshot as
    ``name``, checks each chart holds Plotly's SVG and that the console is clean; returns
    how many charts the page has."""
    try:
        wait_until(driver, lambda d: d.execute_script(ALL_CHARTS_DRAWN), f"the {name} charts")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the console says {console_errors(driver)}") from None
    finally:
        save_page_screenshot(driver, screenshot_path(name))
    assert driver.execute_script(CHARTS_WITHOUT_SVG) == []
    assert console_errors(driver) == []
    return len(driver.find_elements(By.CSS_SELECTOR, "div.plot"))


def heading(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def click(driver, selector: str) -> str:
    """Clicks the first link matching ``selector``; returns where it leads."""
    link = driver.find_element(By.CSS_SELECTOR, selector)
    target = re.sub(r"^https?://[^/]+", "", link.get_attribute("href"))
    link.click()
    return target


def response_status(driver) -> int:
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus"
    )


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_walks_its_pages_and_every_chart_is_drawn(demo, role):
    with chromium() as driver:
        sign_in(driver, demo.url, role, "demo")
        site_path = reverse("scores:site", args=[HOME_SITE])
        driver.get(demo.url + "/")
        if LANDING[role] == "portfolio":
            arrive(driver, reverse("scores:portfolio", args=[PORTFOLIO]), "the landing page")
            assert heading(driver) == "Great Lakes Components"
            assert charts_checked(driver, f"{role}-portfolio") >= 2  # exposure, history
            click(driver, f"#maturity-matrix a[href='{site_path}']")
        arrive(driver, site_path, "the site page")
        assert heading(driver).startswith("Site A")
        assert charts_checked(driver, f"{role}-site") >= 1

        asset_path = click(driver, "#tier1 tbody a[href^='/assets/']")
        arrive(driver, asset_path, "a Tier 1 asset's page")
        assert driver.find_element(By.CSS_SELECTOR, ".asset-facts").text.count("Tier 1") == 1
        assert charts_checked(driver, f"{role}-asset") >= 1  # the MTBF trend at least

        driver.get(demo.url + reverse("scores:relationship", args=[demo.relationship]))
        assert charts_checked(driver, f"{role}-relationship") >= 1  # the scorecards
        customer_path = reverse("scores:customer", args=[demo.customer])
        click(driver, f"a[href='{customer_path}']")
        arrive(driver, customer_path, "the customer page")
        # A chart of this customer's penalties at the sites one sees: those who see every
        # site get one; a site's people only if the customer charged their site.
        charts = charts_checked(driver, f"{role}-customer")
        seen_at_home = 1 if demo.customer_penalties_at_home else 0
        assert charts >= 1 if LANDING[role] == "portfolio" else charts == seen_at_home


def test_a_technician_gets_not_found_for_another_sites_pages(demo):
    elsewhere = {
        "site": reverse("scores:site", args=[OTHER_SITE]),
        "asset": reverse("asset", args=[demo.other_asset]),
        "relationship": reverse("scores:relationship", args=[demo.other_relationship]),
        "portfolio": reverse("scores:portfolio", args=[PORTFOLIO]),
    }
    with chromium() as driver:
        sign_in(driver, demo.url, "tech", "demo")
        for name, path in elsewhere.items():
            driver.get(demo.url + path)
            assert response_status(driver) == 404, name
            assert "Not found" in driver.find_element(By.TAG_NAME, "h1").text, name
            # A 404, not a 403, and nothing of the site: its existence is not revealed.
            assert demo.other_site_name not in driver.page_source, name
            save_page_screenshot(driver, screenshot_path(f"tech-other-{name}-404"))
        assert console_errors(driver, expected=NOT_FOUND) == []
        # Their own asset still opens.
        driver.get(demo.url + reverse("asset", args=[demo.asset]))
        assert response_status(driver) == 200


def test_the_window_filter_lands_in_the_url_and_redraws_the_readings(demo):
    readings_start = """
        var div = document.querySelector("#readings div.plot");
        return div.layout.xaxis.range[0].slice(0, 10);
    """
    with chromium() as driver:
        sign_in(driver, demo.url, "tech", "demo")
        driver.get(demo.url + reverse("asset", args=[demo.asset]))
        charts_checked(driver, "tech-asset-30d")
        readings = driver.find_element(By.CSS_SELECTOR, "#readings figcaption .window")
        # The last reading is on 2026-10-31; the default window is the 30 days ending
        # with it: [2026-11-01 − 30 d, 2026-11-01) starts 2026-10-02.
        assert readings.text.startswith("30 days to 2026-10-31 (UTC)")
        assert driver.execute_script(readings_start) == "2026-10-02"

        Select(driver.find_element(By.NAME, "window")).select_by_value("90d")  # submits itself
        wait_until(driver, lambda d: "window=90d" in d.current_url, "the window in the URL")
        charts_checked(driver, "tech-asset-90d")
        readings = driver.find_element(By.CSS_SELECTOR, "#readings figcaption .window")
        # 90 days back from 2026-11-01: −30 d is 10-02, −60 d 09-02, −90 d 08-03.
        assert readings.text.startswith("90 days to 2026-10-31 (UTC)")
        assert driver.execute_script(readings_start) == "2026-08-03"
        selected = Select(driver.find_element(By.NAME, "window")).first_selected_option
        assert selected.get_attribute("value") == "90d"


def test_a_budget_marks_the_sites_it_funds(demo):
    with chromium() as driver:
        sign_in(driver, demo.url, "director", "demo")
        driver.get(demo.url + reverse("scores:portfolio", args=[PORTFOLIO]))
        charts_checked(driver, "director-portfolio")
        rows = "#capital-priority tbody tr"
        assert not driver.find_elements(By.CSS_SELECTOR, f"{rows}.funded")

        budget = driver.find_element(By.CSS_SELECTOR, "#capital-priority input[name=budget]")
        budget.clear()
        budget.send_keys("100000")
        driver.find_element(By.CSS_SELECTOR, "#capital-priority button[type=submit]").click()
        wait_until(driver, lambda d: "budget=100000" in d.current_url, "the budget in the URL")
        charts_checked(driver, "director-portfolio-budget")
        funded = [
            (
                row.find_element(By.CSS_SELECTOR, "td a").get_attribute("href").split("/")[-2],
                "funded" in row.get_attribute("class").split(),
            )
            for row in driver.find_elements(By.CSS_SELECTOR, rows)
        ]
        # Proposals are $40,000 + $2,500 per Tier 1 asset, 10 at every site: $65,000 each.
        # Ranked by exposure avoided per dollar (C, then B, then A), the cumulative budget
        # runs $65,000, $130,000, $195,000: $100,000 funds the first only.
        assert funded == [("site-c", True), ("site-b", False), ("site-a", False)]
        table = driver.find_element(By.ID, "capital-priority").text
        assert "Funded by $100,000" in table
        assert "$65,000" in table and "$130,000" in table and "$195,000" in table
