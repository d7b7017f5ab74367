"""Whatever dates are stored (written directly, past every ingest check), no page or API
answers 500: the asset, site, portfolio and alert pages and the dated API endpoints."""

import datetime as dt

import pytest

from reliability.models import METRIC_BOUNDS, Alert, ReadingDaily, ReadingHourly
from tests.factories import (
    AlertFactory,
    FailureEventFactory,
    ProductionRecordFactory,
    ReadingFactory,
    SensorFactory,
    WorkOrderFactory,
)
from tests.people import client_for

UTC = dt.UTC
METRICS = list(METRIC_BOUNDS)
EXTREMES = [
    dt.datetime(1, 1, 1, tzinfo=UTC),
    dt.datetime(1900, 1, 1, tzinfo=UTC),
    dt.datetime(2200, 1, 1, tzinfo=UTC),
    dt.datetime(9999, 12, 31, tzinfo=UTC),
]


@pytest.fixture
def extreme(world):
    asset = world.asset_a
    sensor = SensorFactory(asset=asset, code="vib", metric="vibration_velocity_rms")
    for n, at in enumerate(EXTREMES):
        ReadingFactory(sensor=sensor, measured_at=at, value=2.5)
        for rollup in (ReadingHourly, ReadingDaily):
            rollup.objects.create(
                sensor=sensor, bucket=at, sum=2.5, sum_sq=6.25, count=1, min=2.5, max=2.5
            )
        FailureEventFactory(asset=asset, started_at=at, ended_at=None)
        WorkOrderFactory(asset=asset, opened_at=at, started_at=None, completed_at=at)
        if n % 2:  # one open alert per asset and metric
            AlertFactory(asset=asset, detected_at=at, metric=METRICS[n // 2])
        else:
            AlertFactory(
                asset=asset,
                detected_at=at,
                status="closed",
                closed_at=at,
                resolution="confirmed_fault",
            )
        ProductionRecordFactory(line=asset.line, production_date=at.date(), shift=f"s{n}")
    return sensor


PAGES = [
    "/",
    "/sites/",
    "/alerts/patterns/",
    "/notifications/",
    "/assets/{asset}/",
    "/assets/{asset}/?window=365d",
    "/assets/{asset}/?end=2026-11-30",
    "/assets/{asset}/?from=0001-01-01&to=9999-12-31",
    "/assets/{asset}/?end=9999-12-31&window=365d",
    "/sites/site-a/",
    "/sites/site-a/?from=0001-01-01&to=9999-12-31&as_of=9999-12-31",
    "/portfolios/p/?as_of=0001-01-01",
    "/portfolios/p/",
    "/alerts/",
    "/alerts/?status=",
]
API = [
    "/api/v1/sensors/{sensor}/series/",
    "/api/v1/sensors/{sensor}/series/?start=0001-01-01T00:00:00%2B00:00&end=9999-12-31T00:00:00%2B00:00",
    "/api/v1/sensors/{sensor}/series/?start=0001-01-01T00:00:00%2B14:00&end=9999-12-31T23:59:59-14:00",
    "/api/v1/work-orders/",
    "/api/v1/work-orders/?from=0001-01-01&to=9999-12-31",
    "/api/v1/alerts/",
    "/api/v1/assets/",
    "/api/v1/sites/",
    "/api/v1/portfolios/",
    "/api/v1/portfolios/{portfolio}/figures/?as_of=0001-01-01",
    "/api/v1/portfolios/{portfolio}/figures/?as_of=9999-12-31",
    "/api/v1/portfolios/{portfolio}/figures/",
]


def test_no_page_or_api_answers_500(world, extreme):
    client = client_for(world, "director_p")
    ids = {"asset": world.asset_a.pk, "sensor": extreme.pk, "portfolio": world.portfolio_p.pk}
    alerts = [
        f"/alerts/{pk}/"
        for pk in Alert.objects.filter(asset=world.asset_a).values_list("pk", flat=True)
    ]
    broken = []
    for url in [u.format(**ids) for u in PAGES + API] + alerts:
        try:
            status = client.get(url).status_code
        except Exception as exc:  # the test client re-raises what would be a 500
            status = f"{type(exc).__name__}: {exc}"
        if status not in (200, 302, 400):
            broken.append((url, status))
    assert broken == []
