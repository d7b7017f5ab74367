"""Database constraints of OEM relationships, scorecards and penalties."""

from decimal import Decimal

import pytest

from tests.db import assert_refused
from tests.factories import (
    PenaltyFactory,
    RelationshipFactory,
    ScorecardFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


# --- Natural keys ---------------------------------------------------------------------


def test_relationship_is_unique_per_customer_and_site():
    """An OEM has one relationship per site; the same OEM at another site is fine."""
    relationship = RelationshipFactory()
    assert_refused(
        "relationship_unique",
        lambda: RelationshipFactory(customer=relationship.customer, site=relationship.site),
    )
    RelationshipFactory(customer=relationship.customer, site=SiteFactory())


def test_scorecard_is_unique_per_relationship_and_quarter():
    """One scorecard per relationship and quarter; the next quarter is fine."""
    scorecard = ScorecardFactory(year=2026, quarter=1)
    assert_refused(
        "scorecard_unique_quarter",
        lambda: ScorecardFactory(relationship=scorecard.relationship, year=2026, quarter=1),
    )
    ScorecardFactory(relationship=scorecard.relationship, year=2026, quarter=2)
    ScorecardFactory(relationship=scorecard.relationship, year=2027, quarter=1)


def test_penalty_is_unique_per_relationship_and_invoice():
    """An invoice reference repeats across relationships but not within one."""
    penalty = PenaltyFactory(invoice_reference="INV-7")
    assert_refused(
        "penalty_unique_invoice",
        lambda: PenaltyFactory(relationship=penalty.relationship, invoice_reference="INV-7"),
    )
    PenaltyFactory(invoice_reference="INV-7")


# --- Ranges ---------------------------------------------------------------------------


def test_negative_relationship_revenue_is_refused():
    """The revenue of a relationship cannot be negative; zero is accepted."""
    assert_refused(
        "relationship_revenue_non_negative",
        lambda: RelationshipFactory(annual_revenue=Decimal("-1")),
    )
    RelationshipFactory(annual_revenue=Decimal("0"))


@pytest.mark.parametrize("threshold", [Decimal("-0.01"), Decimal("100.01")])
def test_sdp_threshold_outside_0_to_100_is_refused(threshold):
    """The SDP threshold is a score, 0 to 100."""
    assert_refused(
        "relationship_threshold_0_100", lambda: RelationshipFactory(sdp_threshold_score=threshold)
    )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-100")])
def test_penalty_amount_must_be_positive(amount):
    """A penalty of zero or less is refused."""
    assert_refused("penalty_amount_positive", lambda: PenaltyFactory(amount=amount))


def test_smallest_positive_penalty_is_accepted():
    """One cent is a penalty."""
    assert PenaltyFactory(amount=Decimal("0.01")).amount == Decimal("0.01")


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        pytest.param("scorecard_quarter_1_4", {"quarter": 5}, id="quarter-5"),
        pytest.param("scorecard_quarter_1_4", {"quarter": 0}, id="quarter-0"),
        pytest.param("scorecard_score_0_100", {"score": Decimal("101")}, id="score-101"),
        pytest.param("scorecard_score_0_100", {"score": Decimal("-1")}, id="score-negative"),
        pytest.param("scorecard_year_sane", {"year": 1999}, id="year-1999"),
    ],
)
def test_scorecard_out_of_range_is_refused(constraint, values):
    """Quarters are 1–4 and scores 0–100."""
    assert_refused(constraint, lambda: ScorecardFactory(**values))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"quarter": 4, "score": Decimal("100")}, id="q4-100"),
        pytest.param({"quarter": 1, "score": Decimal("0")}, id="q1-0"),
    ],
)
def test_scorecard_at_the_edge_of_range_is_accepted(values):
    """Quarter 4 and scores of 0 and 100 are accepted."""
    assert ScorecardFactory(**values).pk is not None
