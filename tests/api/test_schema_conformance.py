"""The API answers as its OpenAPI schema says (docs/security.md, "The API and its schema").

Schemathesis, the tool of the hostile probe, runs against the live test server: every
operation, bounded examples, a fixed seed (SCHEMATHESIS_SEED overrides it). Its checks:
no 5xx, every status code and content type documented, every body valid against its
schema. Two of its checks are left out on purpose: "schema-valid request rejected" (a
refusal the schema cannot express: a code that exists, an alert already closed, a work
order number not at the site) and "schema-violating request accepted" (an empty query
value reads as the parameter left out, by design).
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from ingest import services as ingest_services
from tests.factories import (
    AlertFactory,
    AssetFactory,
    SensorFactory,
    SiteFactory,
    UserFactory,
    WorkOrderFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
UTC = dt.UTC


def _world(tmp_path) -> None:
    """A little of everything the API returns, with the values that broke the schema:
    zone-less and unacknowledged alerts, a batch without a site or an author."""
    site = SiteFactory(code="site-a")
    asset = AssetFactory(line__site=site, code="M-1")
    SensorFactory(asset=asset)
    order = WorkOrderFactory(asset=asset, external_id="WO-1")
    AlertFactory(asset=asset)
    AlertFactory(asset=asset, metric="temperature", rule="threshold", first_zone="", worst_zone="")
    AlertFactory(
        asset=asset,
        status="closed",
        work_order=order,
        acknowledged_at=dt.datetime(2026, 3, 3, 8, tzinfo=UTC),
        closed_at=dt.datetime(2026, 3, 4, tzinfo=UTC),
        resolution="confirmed_fault",
    )
    lines = tmp_path / "lines.csv"
    lines.write_text("site,code,name\nsite-a,L9,Paint\nnowhere,L8,Bad\n")
    ingest_services.batch_ingest_file(path=lines, kind="lines")  # no site, no author


def test_the_api_answers_as_its_schema_says(live_server, tmp_path, monkeypatch, settings):
    settings.DEBUG = False  # the error pages as deployed (JSON 404s under /api/)
    _world(tmp_path)
    admin = UserFactory(username="operator", is_superuser=True, is_staff=True)
    token = Token.objects.create(user=admin)
    # Uploads it sends are stored, not queued: no worker here, none later to find them.
    monkeypatch.setattr(ingest_services, "_enqueue", lambda batch_id: None)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "100000/hour")

    cli = Path(sys.executable).with_name("schemathesis")
    command = [
        str(cli),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token.key}",
        "--checks",
        CHECKS,
        "--max-examples",
        os.environ.get("SCHEMATHESIS_EXAMPLES", "10"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "20261203"),
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--no-color",
        "--report-dir",
        str(tmp_path / "reports"),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=420, cwd=tmp_path)
    report = run.stdout[-20000:] + run.stderr[-4000:]
    assert run.returncode == 0, report
    assert "Tested: " in report  # the operations were reached, not skipped
