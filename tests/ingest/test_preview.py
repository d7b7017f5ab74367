"""The upload preview: the first lines as they will be stored, the ones that would be
refused, and nothing written (defect 7 of issue 13)."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from ingest import preview
from ingest.models import IngestBatch, Mapping, Status
from ingest.services import BatchRefused
from tests.browser import chromium, console_errors, sign_in, wait_until
from tests.factories import SensorFactory
from tests.people import PASSWORD, build_world, client_for

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # chromium() skips, or fails under CI=true, saying why
    By = Select = None

# A work-order export as a CMMS gives it: its own names, local day-first timestamps.
CMMS_DEFINITION = {
    "columns": {"Tag": "asset", "WO": "external_id", "Type": "kind", "Opened": "opened_at"},
    "value_maps": {"kind": {"CM": "corrective", "PM": "preventive"}},
    "timestamp_format": "%d.%m.%Y %H:%M",
    "timezone": "Europe/Berlin",
}
WO_LINES = [
    "Tag,WO,Type,Opened,parts_cost",
    "M-1,W-1,CM,02.11.2026 08:00,120.50",  # line 2: good
    "M-1,W-2,XX,02.11.2026 09:00,10",  # line 3: unknown kind
    "NEW-7,W-3,PM,03.11.2026 10:00,-40",  # line 4: an asset we lack; a credit
    'M-1,"W-4,broken',  # line 5: malformed
    "M-1,W-5,CM,31.11.2026 10:00,5",  # line 6: no such day
    "M-1,W-1,PM,04.11.2026 07:00,1",  # line 7: repeats W-1 of line 2
]


def every_table_count() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def wo_file(lines=WO_LINES) -> ContentFile:
    return ContentFile(("\n".join(lines) + "\n").encode(), name="wo.csv")


@pytest.fixture
def cmms(world):
    return Mapping.objects.create(
        name="cmms", kind="work_orders", definition=CMMS_DEFINITION, portfolio=world.portfolio_p
    )


def test_a_work_order_preview_shows_typed_rows_and_refusals_and_writes_nothing(world, cmms):
    before = every_table_count()
    shown = preview.batch_preview(
        kind="work_orders",
        upload=wo_file(),
        user=world.user("manager_a"),
        mapping="cmms",
        site=world.site_a,
        create_missing_assets=True,
    )
    assert every_table_count() == before  # not a batch, a rejected row, an asset, a line
    assert shown.error == ""
    by_line = {row["line"]: row for row in shown.rows}
    assert sorted(by_line) == [2, 4]
    first = by_line[2]
    # Our names, typed: the Berlin morning in UTC, the number as a number; the file's own
    # columns only (no internal ids, no defaults of columns it lacks).
    assert first["external_id"] == "W-1" and first["kind"] == "corrective"
    assert first["opened_at"] == "2026-11-02T07:00:00+00:00"
    assert first["asset"] == world.asset_a.code
    assert not {"asset_id", "site_id", "downtime_minutes"} & set(first)
    assert float(first["parts_cost"]) == 120.5
    assert float(by_line[4]["parts_cost"]) == -40.0  # a credit is stored, not refused
    assert shown.would_create_assets == ["site-a/NEW-7"]
    refused = {(row["line"], row["field"]) for row in shown.rejected}
    assert refused == {(3, "kind"), (5, ""), (6, "opened_at"), (7, "")}
    reasons = {row["line"]: row["reason"] for row in shown.rejected}
    assert "must be one of" in reasons[3] and "line 2" in reasons[7]
    assert {"line", "opened_at", "external_id"} <= {"line", *shown.columns}


def test_a_readings_preview_shows_converted_values_and_refusals(world):
    sensor = SensorFactory(asset=world.asset_a, metric="temperature", code="t1")
    text = (
        "sensor_id,measured_at,value\n"
        f"{sensor.pk},2026-11-02T08:00:00Z,71.5\n"
        f"{sensor.pk},2026-11-02T08:01:00Z,not-a-number\n"
        "999999,2026-11-02T08:02:00Z,70\n"
        f"{sensor.pk},2026-11-02T08:03:00Z,9000\n"
    )
    before = every_table_count()
    shown = preview.batch_preview(
        kind="readings",
        upload=ContentFile(text.encode(), name="r.csv"),
        user=world.user("manager_a"),
    )
    assert every_table_count() == before
    assert shown.columns == ["sensor_id", "measured_at", "value"]
    assert shown.rows == [
        {
            "line": 2,
            "sensor_id": sensor.pk,
            "measured_at": "2026-11-02T08:00:00+00:00",
            "value": 71.5,
        }
    ]
    refused = {(row["line"], row["field"]) for row in shown.rejected}
    assert refused == {(3, "value"), (4, "sensor_id"), (5, "value")}


def test_only_the_first_lines_are_read(world):
    class CountingFile(io.BytesIO):
        """A large upload that records how far it was read."""

        furthest = 0

        @property
        def size(self):
            return len(self.getbuffer())

        def read(self, n=-1):
            data = super().read(n)
            self.furthest = max(self.furthest, self.tell())
            return data

    line = "site-a,M-1,W{},corrective,2026-11-02T08:00:00Z\n"
    body = "site,asset,external_id,kind,opened_at\n" + "".join(
        line.format(n) for n in range(200_000)
    )
    upload = CountingFile(body.encode())
    assert upload.size > 8_000_000
    shown = preview.batch_preview(kind="work_orders", upload=upload, user=world.user("manager_a"))
    assert [row["line"] for row in shown.rows] == list(range(2, 2 + preview.LINES))
    assert upload.furthest <= preview.FIRST_BLOCK + 4096


def test_a_file_that_cannot_be_read_says_why(world):
    shown = preview.batch_preview(
        kind="work_orders",
        upload=ContentFile(b"asset,kind\nM-1,corrective\n", name="wo.csv"),
        user=world.user("manager_a"),
        site=world.site_a,
    )
    assert "Required column missing" in shown.error and shown.rows == []


def test_a_preview_is_refused_as_a_batch_would_be(world):
    with pytest.raises(Exception, match="may not load data into site site-b"):
        preview.batch_preview(
            kind="work_orders", upload=wo_file(), user=world.user("manager_a"), site=world.site_b
        )
    with pytest.raises(Exception, match="may not load data into any site"):
        preview.batch_preview(kind="work_orders", upload=wo_file(), user=world.user("tech_a"))
    with pytest.raises(BatchRefused, match="No mapping named 'nope'"):
        preview.batch_preview(
            kind="work_orders", upload=wo_file(), user=world.user("manager_a"), mapping="nope"
        )


# --- API -------------------------------------------------------------------------------


def post_preview(client, **fields):
    return client.post("/api/v1/ingest/preview/", fields, format="multipart")


def test_the_api_preview_answers_rows_and_refusals(world, cmms):
    before = every_table_count()
    response = post_preview(
        client_for(world, "integrator_a"),
        kind="work_orders",
        mapping="cmms",
        site="site-a",
        create_missing_assets="true",
        file=wo_file(),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["line"] for row in body["rows"]] == [2, 4]
    assert {row["line"] for row in body["rejected"]} == {3, 5, 6, 7}
    assert body["would_create_assets"] == ["site-a/NEW-7"]
    assert "opened_at" in body["columns"] and body["error"] == ""
    assert every_table_count() == before


@pytest.mark.parametrize(
    "user, site, status",
    [("anonymous", None, 401), ("tech_a", None, 403), ("manager_a", "site-b", 403)],
)
def test_the_api_preview_refuses_who_may_not_load(world, user, site, status):
    fields = {"kind": "work_orders", "file": wo_file()}
    if site:
        fields["site"] = site
    assert post_preview(client_for(world, user), **fields).status_code == status


# --- The upload page (without JavaScript: a plain form post) ------------------------------


def test_the_upload_page_previews_without_loading(world, cmms):
    client = client_for(world, "manager_a")
    before = every_table_count()
    response = client.post(
        "/ingest/",
        {
            "kind": "work_orders",
            "mapping": "cmms",
            "site": "site-a",
            "create_missing_assets": "on",
            "preview": "1",
            "file": wo_file(),
        },
    )
    assert response.status_code == 200
    assert every_table_count() == before
    html = response.content.decode()
    assert 'id="preview"' in html and "Preview: the first 20 lines" in html
    assert "2026-11-02T07:00:00+00:00" in html  # line 2, typed
    assert "must be one of" in html  # line 3's reason
    assert "site-a/NEW-7" in html


# --- The upload page in a real browser: Preview, then Load with the same chosen file -----


@pytest.mark.django_db(transaction=True)
def test_preview_button_shows_the_table_then_load_sends_the_file(
    live_server, settings, tmp_path, eager_tasks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_world()
    path = tmp_path / "wo.csv"
    path.write_text(
        "site,asset,external_id,kind,opened_at\n"
        "site-a,M-1,W1,corrective,2026-11-02T08:00:00Z\n"
        "site-a,M-1,W2,bogus,2026-11-02T09:00:00Z\n",
        encoding="utf-8",
    )
    with chromium() as browser:
        sign_in(browser, live_server.url, "manager_a", PASSWORD)
        browser.get(f"{live_server.url}/ingest/")
        Select(browser.find_element(By.ID, "id_kind")).select_by_value("work_orders")
        browser.find_element(By.ID, "id_file").send_keys(str(path))
        browser.execute_script("window.stillTheSamePage = true;")
        browser.find_element(By.ID, "preview-button").click()

        def previewed(driver):
            return driver.find_elements(By.CSS_SELECTOR, "#preview table.preview-rows")

        wait_until(browser, previewed, "the preview table")
        assert browser.execute_script("return window.stillTheSamePage === true")  # swapped in
        table = browser.find_element(By.CSS_SELECTOR, "#preview table.preview-rows").text
        assert "W1" in table and "2026-11-02T08:00:00+00:00" in table
        refused = browser.find_element(By.CSS_SELECTOR, "#preview table.preview-rejected").text
        assert "must be one of" in refused and "bogus" in refused
        assert not IngestBatch.objects.exists()  # a preview loads nothing
        # The file is still chosen: Load sends it as a batch.
        browser.find_element(By.ID, "load-button").click()
        wait_until(
            browser,
            lambda d: re.search(r"/ingest/\d+/$", d.current_url),
            "the upload to land on its batch page",
        )
        batch = IngestBatch.objects.get()
        assert batch.status == Status.DONE and batch.rows_inserted == 1
        assert console_errors(browser) == []
