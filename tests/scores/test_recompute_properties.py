"""Property tests of the recompute: any data, loaded in any order, recomputed twice,
gives the same figures."""

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oem.models import PenaltyRecord
from reliability.models import FailureEvent, WorkOrder
from scores.models import SiteScoreSnapshot
from scores.services import site_recompute_scores
from tests.factories import OEMCustomerFactory, RelationshipFactory
from tests.scores.test_recompute import FIGURES

AS_OF = dt.date(2026, 10, 31)
START = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)

failure = st.tuples(
    st.integers(min_value=0, max_value=364 * 24),  # hours after START
    st.integers(min_value=1, max_value=48),  # hours down
    st.booleans(),  # an emergency work order fixed it
    st.integers(min_value=0, max_value=5000),  # its cost
)
penalty = st.tuples(st.integers(min_value=0, max_value=364), st.integers(1, 200_000))


def load(world, relationship, failures, penalties, order):
    rows = [("f", f) for f in failures] + [("p", p) for p in penalties]
    random.Random(order).shuffle(rows)
    for n, (kind, row) in enumerate(rows):
        if kind == "f":
            hours, down, emergency, cost = row
            started = START + dt.timedelta(hours=hours)
            order_row = WorkOrder.objects.create(
                site=world.site_a,
                asset=world.asset_a,
                external_id=f"P{hours}-{n}",
                kind="emergency" if emergency else "corrective",
                opened_at=started,
                started_at=started,
                completed_at=started + dt.timedelta(hours=down),
                parts_cost=cost,
            )
            FailureEvent.objects.get_or_create(
                asset=world.asset_a,
                started_at=started,
                defaults={
                    "ended_at": started + dt.timedelta(hours=down),
                    "work_order": order_row,
                },
            )
        else:
            day, amount = row
            PenaltyRecord.objects.create(
                relationship=relationship,
                invoice_reference=f"INV-{day}-{amount}-{n}",
                incurred_on=START.date() + dt.timedelta(days=day),
                amount=amount,
                reason="late delivery",
            )


def clear():
    SiteScoreSnapshot.objects.all().delete()
    PenaltyRecord.objects.all().delete()
    FailureEvent.objects.all().delete()
    WorkOrder.objects.all().delete()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(
    st.lists(failure, max_size=6, unique_by=lambda f: f[0]),
    st.lists(penalty, max_size=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_any_data_in_any_order_recomputed_twice_gives_the_same_figures(
    world, failures, penalties, order
):
    relationship = RelationshipFactory(site=world.site_a, customer=OEMCustomerFactory())
    try:
        load(world, relationship, failures, penalties, order=0)
        first = site_recompute_scores(site_id=world.site_a.pk, as_of=AS_OF)
        again = site_recompute_scores(site_id=world.site_a.pk, as_of=AS_OF)
        assert {n: getattr(first, n) for n in FIGURES} == {n: getattr(again, n) for n in FIGURES}
        assert first.details == again.details
        clear()
        load(world, relationship, failures, penalties, order=order)
        shuffled = site_recompute_scores(site_id=world.site_a.pk, as_of=AS_OF)
        assert {n: getattr(first, n) for n in FIGURES} == {n: getattr(shuffled, n) for n in FIGURES}
    finally:
        clear()
        relationship.delete()
