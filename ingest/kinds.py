"""What each kind of batch holds: its columns, how codes become ids, its natural key.

A kind is declared as data (``Spec``): our fields, the references it resolves (site code
-> site id, and so on), its natural key for the upsert, and checks across fields. The
engine in ingest/records.py does the rest the same way for every kind except readings,
which have their own fast path (ingest/readings.py).
"""

from dataclasses import dataclass, field

from oem.models import (
    OEMCustomer,
    OEMRelationship,
    PenaltyRecord,
    RelationshipStatus,
    ScorecardResult,
)
from portfolio.access import Action, writable_site_ids
from portfolio.models import Line, Portfolio, Site
from reliability.models import (
    Asset,
    AssetClass,
    Certification,
    CertificationKind,
    CertificationStatus,
    ChangeoverWindow,
    FailureEvent,
    Foundation,
    Metric,
    ProductionRecord,
    Sensor,
    WorkOrder,
    WorkOrderKind,
)

from .fields import Field
from .models import Kind

MONEY_MAX = 1e13


def _choices(choices) -> tuple[str, ...]:
    return tuple(value for value, _label in choices.choices)


@dataclass(frozen=True)
class Spec:
    kind: str
    model: type | None
    fields: list[Field]
    # References to resolve, in order: each is a name in ingest/records.py RESOLVERS; it
    # turns code columns into an id column (e.g. "asset" -> "asset_id").
    refs: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # database columns of the natural key
    # (earlier, later): a row whose later field is before its earlier one is refused.
    order: tuple[tuple[str, str], ...] = ()
    # Columns stored that are not fields (ids from refs), beyond the key.
    stored: tuple[str, ...] = ()
    operator_only: bool = False  # only the operator (superuser, or the CLI) may load it
    # The field a mapping's "key" builds when the export has none (ingest/rowkeys.py).
    built_key: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


SITE = Field("site", "code", help="Site code; may be left out when the upload names the site.")
LINE = Field("line", "code", help="Line code at the site.")
ASSET = Field("asset", "code", help="Asset code (tag) at the site.")


def money(name, **kw):
    return Field(name, "decimal", minimum=0, maximum=MONEY_MAX, **kw)


def signed_money(name, **kw):
    """Money that may be negative: work-order credit notes and reversals net the totals."""
    return Field(name, "decimal", minimum=-MONEY_MAX, maximum=MONEY_MAX, **kw)


def minutes(name, **kw):
    return Field(name, "int", minimum=0, maximum=10_000_000, **kw)


SPECS: dict[str, Spec] = {}


def register(spec: Spec) -> Spec:
    SPECS[spec.kind] = spec
    return spec


register(
    Spec(
        Kind.PORTFOLIOS,
        Portfolio,
        [
            Field("code", "text", max_length=40, help="Letters, digits, - and _."),
            Field("name", "text", max_length=200),
            Field(
                "currency",
                "text",
                required=False,
                blank=True,
                default="USD",
                max_length=3,
                help="ISO 4217, e.g. EUR (default USD).",
            ),
            Field("is_acquisition_target", "bool", required=False, blank=True, default=False),
        ],
        # Checks the code and currency, and notes which rows create a portfolio, whose
        # standard and escalation rules are then made (ingest/records.py AFTER_STORE).
        refs=("portfolio_row",),
        key=("code",),
        operator_only=True,
    )
)
register(
    Spec(
        Kind.SITES,
        Site,
        [
            Field("portfolio", "code", help="Portfolio code."),
            Field("code", "text", max_length=40),
            Field("name", "text", max_length=200),
            Field("timezone", "text", max_length=64, help="IANA name, e.g. Europe/Berlin."),
            money("annual_revenue"),
            money("production_value_per_hour"),
            money("annual_maintenance_spend", required=False, blank=True),
        ],
        refs=("portfolio", "timezone"),
        key=("code",),
        stored=("portfolio_id",),
        operator_only=True,
    )
)
register(
    Spec(
        Kind.LINES,
        Line,
        [
            SITE,
            Field("code", "text", max_length=40),
            Field("name", "text", max_length=200),
            Field("jit_linked", "bool", required=False, blank=True, default=False),
        ],
        refs=("site",),
        key=("site_id", "code"),
    )
)
register(
    Spec(
        Kind.ASSETS,
        Asset,
        [
            SITE,
            LINE,
            Field("code", "text", max_length=60),
            Field("name", "text", max_length=200),
            Field("asset_class", "choice", choices=_choices(AssetClass)),
            Field("tier", "int", minimum=1, maximum=3),
            Field("is_bottleneck", "bool", required=False, blank=True, default=False),
            Field("machine_group", "int", required=False, blank=True, minimum=1, maximum=2),
            Field(
                "foundation",
                "choice",
                required=False,
                blank=True,
                default="",
                choices=_choices(Foundation),
            ),
            money("replacement_value", required=False, blank=True, default=0),
            Field("installed_on", "date", required=False, blank=True, past_ok=True),
        ],
        refs=("site", "line"),
        key=("site_id", "code"),
        stored=("line_id",),
    )
)
register(
    Spec(
        Kind.SENSORS,
        Sensor,
        [
            SITE,
            ASSET,
            Field("code", "text", max_length=60),
            Field("metric", "choice", choices=_choices(Metric)),
            Field("installed_at", "datetime", required=False, blank=True, past_ok=True),
        ],
        refs=("site", "asset"),
        key=("asset_id", "code"),
    )
)
register(
    Spec(
        Kind.OEM_CUSTOMERS,
        OEMCustomer,
        [Field("code", "text", max_length=40), Field("name", "text", max_length=200)],
        key=("code",),
        operator_only=True,
    )
)
register(
    Spec(
        Kind.READINGS,
        None,
        [
            Field("sensor_id", "int", required=False, help="Our sensor id."),
            Field("site", "code", required=False),
            Field("asset", "code", required=False),
            Field("metric", "choice", required=False, choices=_choices(Metric)),
            Field(
                "sensor",
                "code",
                required=False,
                blank=True,
                help="Sensor code, when an asset has more than one sensor for the metric.",
            ),
            Field("measured_at", "datetime"),
            Field("value", "float"),
        ],
        notes=[
            "Name the sensor by sensor_id, or by asset and metric (and site, unless the upload "
            "names the site)."
        ],
    )
)
register(
    Spec(
        Kind.WORK_ORDERS,
        WorkOrder,
        [
            SITE,
            ASSET,
            Field(
                "external_id",
                "text",
                max_length=120,
                help="The CMMS work-order number; a mapping's key builds it when there is none.",
            ),
            Field("kind", "choice", choices=_choices(WorkOrderKind)),
            Field("description", "text", required=False, blank=True, default=""),
            Field("opened_at", "datetime"),
            Field("started_at", "datetime", required=False, blank=True),
            Field("completed_at", "datetime", required=False, blank=True),
            minutes("downtime_minutes", required=False, blank=True, default=0),
            signed_money("parts_cost", required=False, blank=True, default=0),
            Field(
                "labour_hours",
                "decimal",
                required=False,
                blank=True,
                default=0,
                minimum=0,
                maximum=1e6,
            ),
            signed_money("labour_cost", required=False, blank=True, default=0),
            Field("failure_mode", "code", required=False, blank=True),
            Field(
                "changeover_window_start",
                "datetime",
                required=False,
                blank=True,
                future_ok=True,
                help="Start of the changeover window the work was scheduled in.",
            ),
        ],
        refs=("site", "asset", "failure_mode", "changeover_window"),
        key=("site_id", "external_id"),
        built_key="external_id",
        order=(
            ("opened_at", "started_at"),
            ("started_at", "completed_at"),
            ("opened_at", "completed_at"),
        ),
        stored=("asset_id", "failure_mode_id", "changeover_window_id"),
    )
)
register(
    Spec(
        Kind.FAILURE_EVENTS,
        FailureEvent,
        [
            SITE,
            ASSET,
            Field("started_at", "datetime"),
            Field("ended_at", "datetime", required=False, blank=True),
            Field("failure_mode", "code", required=False, blank=True),
            Field(
                "production_lost_units",
                "int",
                required=False,
                blank=True,
                default=0,
                minimum=0,
                maximum=1e12,
            ),
            Field(
                "work_order",
                "code",
                required=False,
                blank=True,
                help="External id of the work order that fixed it.",
            ),
            Field("description", "text", required=False, blank=True, default=""),
            Field(
                "open",
                "bool",
                required=False,
                blank=True,
                default=False,
                help="True while the asset is still down (then ended_at is empty); an empty "
                "ended_at with open false is a failure of unknown duration.",
            ),
        ],
        refs=("site", "open_failure", "asset", "failure_mode", "work_order"),
        key=("asset_id", "started_at"),
        order=(("started_at", "ended_at"),),
        stored=("failure_mode_id", "work_order_id", "is_open"),
    )
)
register(
    Spec(
        Kind.CHANGEOVER_WINDOWS,
        ChangeoverWindow,
        [
            SITE,
            LINE,
            Field("starts_at", "datetime", future_ok=True),
            Field("ends_at", "datetime", future_ok=True),
            minutes("available_minutes"),
            minutes("maintenance_minutes_scheduled", required=False, blank=True, default=0),
            minutes("maintenance_minutes_executed", required=False, blank=True, default=0),
        ],
        refs=("site", "line"),
        key=("line_id", "starts_at"),
        order=(("starts_at", "ends_at"),),
    )
)
register(
    Spec(
        Kind.PRODUCTION_RECORDS,
        ProductionRecord,
        [
            SITE,
            LINE,
            Field("production_date", "date"),
            Field("shift", "text", required=False, blank=True, default="day", max_length=10),
            minutes("planned_production_minutes"),
            minutes("run_minutes"),
            Field("ideal_cycle_time_seconds", "float", minimum=0, maximum=1e6),
            Field("total_count", "int", minimum=0, maximum=1e12),
            Field("good_count", "int", minimum=0, maximum=1e12),
        ],
        refs=("site", "line"),
        key=("line_id", "production_date", "shift"),
        order=(("run_minutes", "planned_production_minutes"), ("good_count", "total_count")),
    )
)
register(
    Spec(
        Kind.OEM_RELATIONSHIPS,
        OEMRelationship,
        [
            SITE,
            Field("customer", "code"),
            money("annual_revenue"),
            Field("status", "choice", choices=_choices(RelationshipStatus)),
            Field(
                "sdp_threshold_score", "decimal", required=False, blank=True, minimum=0, maximum=100
            ),
        ],
        refs=("site", "customer"),
        key=("customer_id", "site_id"),
    )
)
register(
    Spec(
        Kind.SCORECARDS,
        ScorecardResult,
        [
            SITE,
            Field("customer", "code"),
            Field("year", "int", minimum=2000, maximum=2100),
            Field("quarter", "int", minimum=1, maximum=4),
            Field("score", "decimal", minimum=0, maximum=100),
        ],
        refs=("site", "customer", "relationship"),
        key=("relationship_id", "year", "quarter"),
    )
)
register(
    Spec(
        Kind.PENALTIES,
        PenaltyRecord,
        [
            SITE,
            Field("customer", "code"),
            Field("invoice_reference", "text", max_length=60),
            Field("incurred_on", "date"),
            money("amount"),
            Field("reason", "text", max_length=200),
            Field(
                "asset",
                "code",
                required=False,
                blank=True,
                help="With occurred_at: the failure the penalty stems from.",
            ),
            Field("occurred_at", "datetime", required=False, blank=True),
        ],
        refs=("site", "customer", "relationship", "optional_asset", "failure_event"),
        key=("relationship_id", "invoice_reference"),
        stored=("asset_id", "failure_event_id"),
    )
)
register(
    Spec(
        Kind.CERTIFICATIONS,
        Certification,
        [
            Field("holder", "code", help="Username of the person."),
            Field("kind", "choice", choices=_choices(CertificationKind)),
            Field("name", "text", required=False, blank=True, default="", max_length=120),
            Field("status", "choice", choices=_choices(CertificationStatus)),
            Field("target_date", "date", required=False, blank=True, future_ok=True),
            Field("earned_on", "date", required=False, blank=True),
            Field("expires_on", "date", required=False, blank=True, future_ok=True),
        ],
        refs=("holder",),
        key=("holder_id", "kind", "name"),
        order=(("earned_on", "expires_on"),),
    )
)


def spec_for(kind: str) -> Spec:
    return SPECS[kind]


def loadable_kinds(user) -> list[str]:
    """The kinds ``user`` may load, in the order of ``Kind``: none without a site to load
    into, and the operator-only kinds for the operator alone (the rules
    ``ingest.services.batch_check_options`` enforces, read here to offer only these)."""
    writable = writable_site_ids(user, Action.INGEST)
    if writable is not None and not writable:
        return []
    return [kind for kind in Kind.values if writable is None or not SPECS[kind].operator_only]
