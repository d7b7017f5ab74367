"""The ingest pages in a real browser: static/js/ingest.js under the site's strict CSP.

A live server on a transactional database (the browser's requests run in its threads);
Celery tasks run eagerly, so an upload's batch is run in the request that stored it, after
its transaction commits. Headless Chromium is skipped when absent, a failure under CI=true
(tests/browser.py).
"""

import re
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from ingest.models import IngestBatch, Kind, Source, Status
from tests.browser import chromium, console_errors, require_chromium, sign_in, wait_until
from tests.people import PASSWORD, build_world

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # the browser fixture skips, or fails under CI=true, saying why
    By = Select = None

pytestmark = pytest.mark.django_db(transaction=True)

WO_CSV = (
    "site,asset,external_id,kind,opened_at\n"
    "site-a,M-1,W1,corrective,2026-11-02T08:00:00Z\n"
    "site-a,M-1,W2,bogus,2026-11-02T09:00:00Z\n"
)

# Records, in this tab's sessionStorage (which outlives the page), that the upload's
# progress box was shown and how far its bar went: the XHR path, not a plain form post.
WATCH_UPLOAD_PROGRESS = """
var box = document.getElementById("upload-progress");
var bar = document.getElementById("upload-bar");
sessionStorage.removeItem("upload-progress");
new MutationObserver(function () {
  var seen = JSON.parse(sessionStorage.getItem("upload-progress") || '{"shown": false}');
  seen.shown = seen.shown || !box.hidden;
  seen.value = bar.value;
  sessionStorage.setItem("upload-progress", JSON.stringify(seen));
}).observe(box, {attributes: true, subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def world(live_server, settings, tmp_path):
    """The named users, committed so the live server's threads see them; uploads go to a
    folder of the test's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_world()


@pytest.fixture
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def manager(browser, live_server, world):
    """The browser, signed in as manager_a (may load data into site-a)."""
    sign_in(browser, live_server.url, "manager_a", PASSWORD)
    return browser


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def batch_page_path(pk: int) -> str:
    return f"/ingest/{pk}/"


def on_a_batch_page(driver) -> bool:
    return re.search(r"/ingest/\d+/$", driver.current_url) is not None


def reloaded(driver) -> bool:
    """The page marked with ``window.stillTheSamePage`` has been replaced."""
    return driver.execute_script("return window.stillTheSamePage !== true")


def test_live_server_serves_the_script_under_a_strict_csp(live_server):
    with urllib.request.urlopen(f"{live_server.url}/static/js/ingest.js", timeout=10) as r:
        assert r.status == 200
        assert "javascript" in r.headers["Content-Type"]
        assert b"setupUpload" in r.read()
    with urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=10) as r:
        policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_upload_with_progress_lands_on_the_finished_batch(
    manager, live_server, tmp_path, eager_tasks
):
    browser = manager
    path = tmp_path / "work-orders.csv"
    path.write_text(WO_CSV, encoding="utf-8")
    browser.get(f"{live_server.url}/ingest/")
    progress = browser.find_element(By.ID, "upload-progress")
    assert progress.get_attribute("hidden") is not None
    assert not progress.is_displayed()  # hidden means not drawn (the CSS once overrode it)
    Select(browser.find_element(By.ID, "id_kind")).select_by_value(Kind.WORK_ORDERS)
    Select(browser.find_element(By.ID, "id_mapping")).select_by_value("canonical")
    browser.find_element(By.ID, "id_file").send_keys(str(path))
    browser.execute_script(WATCH_UPLOAD_PROGRESS)
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()

    wait_until(browser, on_a_batch_page, "the upload to land on its batch page")
    batch = IngestBatch.objects.get()
    assert browser.current_url == live_server.url + batch_page_path(batch.pk)
    assert batch.status == Status.DONE and batch.source == Source.UPLOAD
    assert batch.created_by.username == "manager_a" and batch.file_name == "work-orders.csv"
    # The JS took the upload over: its progress box was shown and its bar filled.
    seen = browser.execute_script("return JSON.parse(sessionStorage.getItem('upload-progress'))")
    assert seen is not None and seen["shown"] is True, seen
    assert seen["value"] == 100, seen
    # The batch page shows the result and the refused row, with its reason.
    wait_until(browser, lambda d: text(d, "batch-status") == "Done", "status Done")
    assert text(browser, "rows_read") == "2"
    assert text(browser, "rows_inserted") == "1"
    assert text(browser, "rows_rejected") == "1"
    rejected = browser.find_element(By.CSS_SELECTOR, "table.rejected tbody").text
    assert "must be one of" in rejected and "bogus" in rejected
    assert browser.find_element(By.ID, "batch-bar").get_attribute("value") == "100"
    assert console_errors(browser) == []


def test_batch_page_follows_a_running_batch_until_it_is_done(manager, live_server, world):
    browser = manager
    batch = IngestBatch(
        kind=Kind.WORK_ORDERS,
        source=Source.UPLOAD,
        mapping="canonical",
        file_name="running.csv",
        file_size=1000,
        status=Status.RUNNING,
        rows_total=100,
        resume_line=41,
        rows_read=40,
        rows_inserted=40,
        created_by=world.user("manager_a"),
        started_at=timezone.now(),
    )
    batch.file.save("running.csv", ContentFile(b"site,asset\n"), save=True)
    browser.get(live_server.url + batch_page_path(batch.pk))
    assert text(browser, "batch-status") == "Running"
    assert browser.find_element(By.ID, "batch-bar").get_attribute("value") == "40"
    assert text(browser, "batch-lines") == "40 of 100 lines"
    # A marker that lives as long as this page: the page updates in place while the batch runs.
    browser.execute_script("window.stillTheSamePage = true;")

    IngestBatch.objects.filter(pk=batch.pk).update(
        resume_line=71, rows_read=70, rows_inserted=69, rows_rejected=1
    )
    wait_until(browser, lambda d: text(d, "batch-lines") == "70 of 100 lines", "70 lines", 5)
    assert browser.find_element(By.ID, "batch-bar").get_attribute("value") == "70"
    assert (text(browser, "rows_inserted"), text(browser, "rows_rejected")) == ("69", "1")
    assert browser.execute_script("return window.stillTheSamePage === true")

    IngestBatch.objects.filter(pk=batch.pk).update(
        status=Status.DONE,
        resume_line=101,
        rows_read=100,
        rows_inserted=100,
        rows_rejected=0,
        finished_at=timezone.now(),
    )
    # Done: the page reloads itself (the marker is gone) to show the result.
    wait_until(browser, reloaded, "the page to reload itself once the batch is done")
    wait_until(browser, lambda d: text(d, "batch-status") == "Done", "status Done", 5)
    assert text(browser, "rows_inserted") == "100"
    assert text(browser, "batch-lines") == "100 of 100 lines"
    assert browser.find_element(By.ID, "batch-bar").get_attribute("value") == "100"
    assert "None: every row was good." in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_element(By.ID, "batch").get_attribute("data-over") == "true"
    assert console_errors(browser) == []


def test_upload_form_errors_are_written_into_the_page(manager, live_server, tmp_path, eager_tasks):
    browser = manager
    browser.get(f"{live_server.url}/ingest/")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value(Kind.WORK_ORDERS)
    Select(browser.find_element(By.ID, "id_mapping")).select_by_value("canonical")
    # The browser itself refuses a form without its file; the server must too, for a
    # browser that does not check (or a form sent some other way).
    assert browser.execute_script("return !document.getElementById('upload-form').checkValidity()")
    browser.execute_script("document.getElementById('upload-form').noValidate = true;")
    browser.execute_script("window.stillTheSamePage = true;")
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()

    wait_until(browser, lambda d: "This field is required" in d.page_source, "the form's errors")
    # Written by the XHR handler into this page, not a navigation to the server's answer.
    assert browser.execute_script("return window.stillTheSamePage === true")
    assert browser.current_url == f"{live_server.url}/ingest/"
    assert "This field is required" in browser.find_element(By.ID, "upload-form").text
    assert not IngestBatch.objects.exists()
    # The refused form comes back as 400, which Chromium logs; nothing else may be logged.
    assert console_errors(browser, expected=(r"/ingest/ - .* status of 400 \(Bad Request\)",)) == []
    # The rewritten page's form works: with the file now, it lands on the new batch.
    path = tmp_path / "work-orders.csv"
    path.write_text(WO_CSV, encoding="utf-8")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value(Kind.WORK_ORDERS)
    browser.find_element(By.ID, "id_file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    wait_until(browser, on_a_batch_page, "the upload to land on its batch page")
    batch = IngestBatch.objects.get()
    assert browser.current_url == live_server.url + batch_page_path(batch.pk)
    wait_until(browser, lambda d: text(d, "batch-status") == "Done", "status Done")
    assert console_errors(browser) == []


def test_browser_policy_is_skip_here_but_fail_in_ci(monkeypatch):
    """The skip/fail policy itself, without a browser."""
    import tests.browser as helper

    monkeypatch.setattr(helper, "missing", lambda: "needs headless Chromium: test")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="needs headless Chromium"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but this browser test cannot run"):
        require_chromium()
