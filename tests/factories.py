"""factory_boy factories for the domain model: one valid object per call, unique codes."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from oem.models import OEMCustomer, OEMRelationship, PenaltyRecord, ScorecardResult
from portfolio.models import Line, Portfolio, Site
from reliability.models import (
    Asset,
    ChangeoverWindow,
    FailureEvent,
    Sensor,
    WorkOrder,
)
from scores.models import ReliabilityStandard

UTC = dt.UTC


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio

    code = factory.Sequence(lambda n: f"pf{n}")
    name = factory.Sequence(lambda n: f"Portfolio {n}")


class StandardFactory(factory.django.DjangoModelFactory):
    """A portfolio's standard with the given values. A portfolio has its standard from its
    creation on (scores.receivers), so this sets the values of that one."""

    class Meta:
        model = ReliabilityStandard

    portfolio = factory.SubFactory(PortfolioFactory)

    @classmethod
    def _create(cls, model_class, *args, portfolio, **values):
        standard = model_class.objects.get(portfolio=portfolio)
        for name, value in values.items():
            setattr(standard, name, value)
        standard.save()
        return standard


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    portfolio = factory.SubFactory(PortfolioFactory)
    code = factory.Sequence(lambda n: f"site{n}")
    name = factory.Sequence(lambda n: f"Site {n}")
    timezone = "America/Detroit"
    annual_revenue = Decimal("250000000")
    production_value_per_hour = Decimal("42000")


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    site = factory.SubFactory(SiteFactory)
    code = factory.Sequence(lambda n: f"line{n}")
    name = factory.Sequence(lambda n: f"Line {n}")
    jit_linked = True


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    line = factory.SubFactory(LineFactory)
    site = factory.SelfAttribute("line.site")
    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = "Stamping press motor"
    asset_class = "motor"
    tier = 1
    machine_group = 2
    foundation = "rigid"
    replacement_value = Decimal("180000")


class SensorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sensor

    asset = factory.SubFactory(AssetFactory)
    code = factory.Sequence(lambda n: f"vib{n}")
    metric = "vibration_velocity_rms"


class ChangeoverWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeoverWindow

    line = factory.SubFactory(LineFactory)
    starts_at = factory.Sequence(
        lambda n: dt.datetime(2026, 1, 1, 6, tzinfo=UTC) + dt.timedelta(days=7 * n)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=4))
    available_minutes = 240
    maintenance_minutes_scheduled = 200
    maintenance_minutes_executed = 180


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrder

    asset = factory.SubFactory(AssetFactory)
    site = factory.SelfAttribute("asset.site")
    external_id = factory.Sequence(lambda n: f"WO-{n:06d}")
    kind = "corrective"
    opened_at = dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
    started_at = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    completed_at = dt.datetime(2026, 3, 2, 13, tzinfo=UTC)
    downtime_minutes = 240
    parts_cost = Decimal("1200.00")
    labour_hours = Decimal("6")


class FailureEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FailureEvent

    asset = factory.SubFactory(AssetFactory)
    started_at = factory.Sequence(
        lambda n: dt.datetime(2026, 2, 1, tzinfo=UTC) + dt.timedelta(days=n)
    )
    ended_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=3))


class OEMCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OEMCustomer

    code = factory.Sequence(lambda n: f"oem{n}")
    name = factory.Sequence(lambda n: f"OEM {n}")


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OEMRelationship

    customer = factory.SubFactory(OEMCustomerFactory)
    site = factory.SubFactory(SiteFactory)
    annual_revenue = Decimal("18000000")
    status = "approved"
    sdp_threshold_score = Decimal("75")


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScorecardResult

    relationship = factory.SubFactory(RelationshipFactory)
    year = 2026
    quarter = 1
    score = Decimal("84.5")


class PenaltyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PenaltyRecord

    relationship = factory.SubFactory(RelationshipFactory)
    invoice_reference = factory.Sequence(lambda n: f"INV-{n:05d}")
    incurred_on = dt.date(2026, 4, 1)
    amount = Decimal("85000")
    reason = "Line stop at customer plant"


# --- Added for the model-constraint tests. Models named as "app.Model" strings so the
# import block above stays as it was.


class MembershipFactory(factory.django.DjangoModelFactory):
    """A site-scoped technician; pass role/portfolio/site for other scopes."""

    class Meta:
        model = "portfolio.Membership"

    user = factory.SubFactory(UserFactory)
    role = "technician"
    portfolio = None
    site = factory.SubFactory(SiteFactory)


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reliability.Reading"

    sensor = factory.SubFactory(SensorFactory)
    measured_at = factory.Sequence(
        lambda n: dt.datetime(2026, 3, 1, tzinfo=UTC) + dt.timedelta(minutes=n)
    )
    value = 2.5


class ProductionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reliability.ProductionRecord"

    line = factory.SubFactory(LineFactory)
    production_date = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    shift = "day"
    planned_production_minutes = 450
    run_minutes = 400
    ideal_cycle_time_seconds = 30.0
    total_count = 760
    good_count = 740


class AlertFactory(factory.django.DjangoModelFactory):
    """An open vibration alert on an asset."""

    class Meta:
        model = "reliability.Alert"

    asset = factory.SubFactory(AssetFactory)
    metric = "vibration_velocity_rms"
    rule = "zone"
    status = "open"
    detected_at = dt.datetime(2026, 3, 3, 7, tzinfo=UTC)
    first_zone = "C"
    worst_zone = "C"


class PreventedFailureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reliability.PreventedFailure"

    technician = factory.SubFactory(UserFactory)
    asset = factory.SubFactory(AssetFactory)
    site = factory.SelfAttribute("asset.site")
    origin = "proactive"
    detected_at = factory.Sequence(
        lambda n: dt.datetime(2026, 3, 1, 10, tzinfo=UTC) + dt.timedelta(days=n)
    )
    confirmed_at = factory.LazyAttribute(lambda o: o.detected_at + dt.timedelta(hours=2))
    evidence = "Outer-race spall visible on the removed bearing."
    protected_window_hours = Decimal("8")
    estimated_value = Decimal("336000")


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reliability.Certification"

    holder = factory.SubFactory(UserFactory)
    kind = "va_cat_2"
    status = "earned"
    earned_on = dt.date(2025, 6, 1)
    expires_on = dt.date(2030, 6, 1)
