"""Work-order counts and net cost for any period (issue 13, defect 9): the API's totals,
the site and asset pages, and that they agree; credits net and are flagged."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.dates import day_end
from reliability import metrics, selectors
from reliability.models import WorkOrder
from tests.factories import AssetFactory, WorkOrderFactory
from tests.people import client_for

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}
CREDIT_BADGE = 'title="Net cost below zero'


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def orders(world):
    """Site A: M-1 (world.asset_a) and M-2; site B: one order no one at A may see.

    In 2026-01-01..2026-03-31 (UTC days, by completion):
      WO-1  M-1  parts 100.50  labour 200.00  net  300.50
      WO-2  M-1  parts -40.25  labour   0.00  net  -40.25  credit
      WO-3  M-1  parts  10.00  labour   5.00  net   15.00  (23:59 on the last day)
      WO-7  M-2  parts  50.00  labour -80.00  net  -30.00  credit
    Out: WO-4 (completed 00:00 the day after), WO-5 (the day before), WO-6 (open).
    Site A: 4 orders, parts 120.25, labour 125.00, net 245.25, 2 credits.
    M-1:    3 orders, parts  70.25, labour 205.00, net 275.25, 1 credit.
    """
    m2 = AssetFactory(line=world.asset_a.line, code="M-2")

    def order(number, asset, completed, parts, labour):
        return WorkOrderFactory(
            asset=asset,
            external_id=number,
            opened_at=at(2025, 12, 1),
            started_at=None,
            completed_at=completed,
            parts_cost=Decimal(parts),
            labour_cost=Decimal(labour),
        )

    order("WO-1", world.asset_a, at(2026, 1, 10, 12), "100.50", "200.00")
    order("WO-2", world.asset_a, at(2026, 2, 15), "-40.25", "0")
    order("WO-3", world.asset_a, at(2026, 3, 31, 23, 59), "10", "5")
    order("WO-4", world.asset_a, at(2026, 4, 1), "999", "0")
    order("WO-5", world.asset_a, at(2025, 12, 31, 23, 59), "999", "0")
    order("WO-6", world.asset_a, None, "999", "0")
    order("WO-7", m2, at(2026, 2, 20), "50", "-80")
    order("WO-8", world.asset_b, at(2026, 2, 1), "1000", "0")
    return world


SITE_A = {"count": 4, "net_parts": "120.25", "net_labour": "125.00", "net_total": "245.25"}
ASSET_M1 = {"count": 3, "net_parts": "70.25", "net_labour": "205.00", "net_total": "275.25"}


def api(world, name, **params):
    return client_for(world, name).get("/api/v1/work-orders/", params)


def test_the_api_totals_are_hand_worked_with_credits(orders):
    body = api(orders, "tech_a", site="site-a", **PERIOD).json()
    one_currency = {"currency": "USD", "credits": 2}
    assert body["totals"] == {
        **SITE_A,
        **one_currency,
        "by_currency": [{**SITE_A, **one_currency}],
    }
    assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31", "basis": "completed_at"}
    assert [(r["external_id"], r["net_cost"], r["is_credit"]) for r in body["results"]] == [
        ("WO-3", "15.00", False),
        ("WO-7", "-30.00", True),
        ("WO-2", "-40.25", True),
        ("WO-1", "300.50", False),
    ]
    asset = api(orders, "tech_a", site="site-a", asset="M-1", **PERIOD).json()
    assert {k: asset["totals"][k] for k in (*ASSET_M1, "credits")} == {**ASSET_M1, "credits": 1}


def test_the_pages_show_the_api_totals_for_the_same_period(orders):
    """Rendered pages and the API, same period: the same count and net amounts."""
    site_page = client_for(orders, "director_p").get(
        reverse("scores:site", args=["site-a"]), PERIOD
    )
    asset_page = client_for(orders, "tech_a").get(
        reverse("asset", args=[orders.asset_a.pk]), PERIOD
    )
    for page, params, expected in (
        (site_page, {"site": "site-a"}, SITE_A),
        (asset_page, {"site": "site-a", "asset": "M-1"}, ASSET_M1),
    ):
        assert page.status_code == 200
        html = page.content.decode()
        totals = api(orders, "director_p", **params, **PERIOD).json()["totals"]
        assert {key: totals[key] for key in expected} == expected
        assert f'data-total="count">{totals["count"]}<' in html
        for key in ("net_parts", "net_labour", "net_total"):
            assert f'data-total="{key}">{float(totals[key]):,.2f} USD<' in html, key
        assert "2026-01-01 to 2026-03-31 (UTC days)" in html
    # Each credit row is flagged, and only those.
    assert site_page.content.decode().count(CREDIT_BADGE) == 2
    section = asset_page.content.decode().split('id="work-order-period"')[1].split("</section>")[0]
    assert section.count(CREDIT_BADGE) == 1


def test_a_technician_of_another_site_sees_none_of_them(orders):
    """Asking for a site you may not see answers as for an unknown site: nothing."""
    for params in ({"site": "site-a"}, {"site": "no-such-site"}):
        body = api(orders, "tech_b", **params, **PERIOD).json()
        assert body["count"] == 0 and body["results"] == []
        assert body["totals"] == {
            "count": 0,
            "net_parts": "0.00",
            "net_labour": "0.00",
            "net_total": "0.00",
            "credits": 0,
            "currency": None,
            "by_currency": [],
        }
    # Without a site filter, each sees only their own site's orders.
    numbers = {r["external_id"] for r in api(orders, "tech_b", **PERIOD).json()["results"]}
    assert numbers == {"WO-8"}
    wo8 = WorkOrder.objects.get(external_id="WO-8")
    assert client_for(orders, "tech_a").get(f"/api/v1/work-orders/{wo8.pk}/").status_code == 404
    assert client_for(orders, "tech_b").get(f"/api/v1/work-orders/{wo8.pk}/").status_code == 200
    assert api(orders, "anonymous").status_code == 401


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"from": "2026-13-01"}, "from", "from: '2026-13-01' is not a date (YYYY-MM-DD)"),
        ({"to": "31/03/2026"}, "to", "to: '31/03/2026' is not a date (YYYY-MM-DD)"),
        ({"from": "2026-04-01", "to": "2026-03-31"}, "from", "from: 2026-04-01 is after to"),
    ],
)
def test_a_bad_date_is_a_400_naming_the_parameter(orders, params, param, message):
    response = api(orders, "tech_a", **params)
    assert response.status_code == 400
    assert list(response.json()) == [param]
    assert response.json()[param][0].startswith(message)


def test_a_bad_date_on_a_page_is_reported_and_the_default_shown(orders):
    response = client_for(orders, "tech_a").get(
        reverse("asset", args=[orders.asset_a.pk]), {"from": "yesterday"}
    )
    html = response.content.decode()
    assert "from: &#x27;yesterday&#x27; is not a date" in html
    today = timezone.now().date()
    assert f"{today - dt.timedelta(days=364)} to {today} (UTC days)" in html


def test_totals_cover_every_page_of_results(world):
    """105 orders: the first page holds 100, the totals all 105."""
    WorkOrder.objects.bulk_create(
        WorkOrder(
            site=world.site_a,
            asset=world.asset_a,
            external_id=f"BULK-{n}",
            kind="preventive",
            opened_at=at(2026, 2, 1),
            completed_at=at(2026, 2, 1) + dt.timedelta(minutes=n),
            parts_cost=Decimal("1.10"),
            labour_cost=Decimal("-0.10") if n == 0 else Decimal("2.00"),
        )
        for n in range(105)
    )
    first = api(world, "tech_a", **PERIOD).json()
    assert (first["count"], len(first["results"])) == (105, 100)
    assert first["results"][0]["external_id"] == "BULK-104"  # newest completion first
    # 105 × 1.10 = 115.50; 104 × 2.00 − 0.10 = 207.90
    expected = {"count": 105, "net_parts": "115.50", "net_labour": "207.90", "credits": 0}
    assert {k: first["totals"][k] for k in expected} == expected
    second = client_for(world, "tech_a").get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["totals"] == first["totals"]


def test_the_default_period_is_the_maintenance_cost_window(world):
    """No from/to: the trailing 12 months to today, whose net total is the spend the
    maintenance-cost figure sums (same completion-date basis, credits netted)."""
    now = timezone.now()
    for days_ago, parts in ((1, "500"), (200, "-120.50"), (364, "80"), (366, "999")):
        WorkOrderFactory(
            asset=world.asset_a,
            opened_at=now - dt.timedelta(days=days_ago, hours=2),
            started_at=None,
            completed_at=now - dt.timedelta(days=days_ago),
            parts_cost=Decimal(parts),
        )
    body = api(world, "executive", site="site-a").json()
    today = now.date()
    assert body["period"]["from"] == str(today - dt.timedelta(days=364))
    assert body["period"]["to"] == str(today)
    assert body["totals"]["count"] == 3
    end = day_end(today)
    start = end - dt.timedelta(days=365)
    frame = selectors.work_order_frame(
        WorkOrder.objects.filter(site=world.site_a), start - dt.timedelta(days=30), end
    )
    spend = metrics.maintenance_cost(frame, start, end, 1e6, 1e6)["window_spend"]
    assert Decimal(body["totals"]["net_total"]) == Decimal(str(spend)).quantize(Decimal("0.01"))


def test_money_of_two_currencies_is_never_added(orders):
    """Site C is in a EUR portfolio: the executive's totals over both give the count, and
    the money per currency only (USD 245.25 at A + 1,000 at B; EUR 1,000 at C)."""
    site_c = orders.site_c
    site_c.portfolio.currency = "EUR"
    site_c.portfolio.save()
    WorkOrderFactory(
        asset=AssetFactory(site=site_c, line__site=site_c, code="C-1"),
        external_id="WO-9",
        opened_at=at(2025, 12, 1),
        started_at=None,
        completed_at=at(2026, 2, 1),
        parts_cost=Decimal("1000"),
        labour_cost=Decimal("0"),
    )
    totals = api(orders, "executive", **PERIOD).json()["totals"]
    assert (totals["count"], totals["credits"]) == (6, 2)
    assert (totals["currency"], totals["net_total"], totals["net_parts"]) == (None, None, None)
    assert [(t["currency"], t["count"], t["net_total"]) for t in totals["by_currency"]] == [
        ("EUR", 1, "1000.00"),
        ("USD", 5, "1245.25"),
    ]
