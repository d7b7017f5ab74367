"""The upload page's column tables in a real browser: the chosen kind's columns are the
ones shown open (static/js/ingest.js under the site's strict CSP)."""

import pytest

from ingest.models import Kind
from tests.browser import chromium, console_errors, sign_in
from tests.people import PASSWORD, build_world

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # the browser fixture skips, or fails under CI=true, saying why
    By = Select = None

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def manager(live_server):
    build_world()  # committed, so the live server's threads see it
    with chromium() as driver:
        sign_in(driver, live_server.url, "manager_a", PASSWORD)
        yield driver


def open_kinds(browser) -> list[str]:
    return [
        details.get_attribute("data-kind")
        for details in browser.find_elements(By.CSS_SELECTOR, "details.kind-columns")
        if details.get_attribute("open") is not None
    ]


def test_the_chosen_kinds_columns_are_shown(manager, live_server):
    browser = manager
    browser.get(f"{live_server.url}/ingest/")
    chosen = Select(browser.find_element(By.ID, "id_kind"))
    assert open_kinds(browser) == [chosen.first_selected_option.get_attribute("value")]
    chosen.select_by_value(Kind.WORK_ORDERS)
    assert open_kinds(browser) == [Kind.WORK_ORDERS]
    columns = browser.find_element(By.ID, f"columns-{Kind.WORK_ORDERS}")
    assert "external_id" in columns.text and "Template CSV for work orders" in columns.text
    assert console_errors(browser) == []
