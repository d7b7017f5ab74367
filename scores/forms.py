"""Forms of the portfolio pages: the reliability standard's editor (SPEC §4).

The standard's fields carry no units or readable names in the model, so this module is
their one home for the pages: ``STANDARD_GROUPS`` (the admin's grouping), the labels,
``STANDARD_UNITS`` and the help texts. The fractions (coverage, utilization, reduction)
are stored as fractions 0–1 but entered and shown as percentages, as every page shows them:
"90" in the form is 0.900 in the database (``PercentField``).
"""

from decimal import Decimal

from django import forms

from scores.models import ReliabilityStandard

#: The standard's fields in groups: the page and the admin's fieldsets both show them so.
STANDARD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Minimums",
        (
            "min_cm_coverage_tier1",
            "cm_freshness_hours",
            "min_changeover_utilization",
            "max_alert_response_median_hours",
            "max_alert_response_p90_hours",
            "min_jit_failures_documented",
            "target_penalty_events_2q",
            "tolerated_penalty_events_2q",
            "gap_closure_days",
        ),
    ),
    ("Exposure", ("expected_reduction", "emergency_premium_factor")),
    (
        "Maturity weights",
        (
            "weight_cm_coverage",
            "weight_changeover",
            "weight_mtbf_trend",
            "weight_penalty_frequency",
        ),
    ),
)
STANDARD_FIELDS = tuple(name for _, names in STANDARD_GROUPS for name in names)
FRACTION_FIELDS = frozenset(
    {
        "min_cm_coverage_tier1",
        "min_changeover_utilization",
        "min_jit_failures_documented",
        "expected_reduction",
    }
)
WEIGHT_FIELDS = STANDARD_GROUPS[2][1]

FRACTION_UNIT = "%"
_PERCENT_RULE = "a percentage between 0 and 100 with at most 1 decimal (e.g. 90 or 92.5)"
STANDARD_UNITS = {
    "min_cm_coverage_tier1": FRACTION_UNIT,
    "cm_freshness_hours": "hours",
    "min_changeover_utilization": FRACTION_UNIT,
    "max_alert_response_median_hours": "hours",
    "max_alert_response_p90_hours": "hours",
    "min_jit_failures_documented": FRACTION_UNIT,
    "target_penalty_events_2q": "events in the last 2 quarters",
    "tolerated_penalty_events_2q": "events in the last 2 quarters",
    "gap_closure_days": "days",
    "expected_reduction": FRACTION_UNIT,
    "emergency_premium_factor": "× planned cost",
    "weight_cm_coverage": "relative weight",
    "weight_changeover": "relative weight",
    "weight_mtbf_trend": "relative weight",
    "weight_penalty_frequency": "relative weight",
}

STANDARD_LABELS = {
    "min_cm_coverage_tier1": "Condition-monitoring coverage of Tier 1 assets, minimum",
    "cm_freshness_hours": "Sensor freshness limit for coverage",
    "min_changeover_utilization": "Changeover window utilization, floor",
    "max_alert_response_median_hours": "Tier 1 alert response, median, maximum",
    "max_alert_response_p90_hours": "Tier 1 alert response, p90, maximum",
    "min_jit_failures_documented": "JIT-line failures documented with a failure mode, minimum",
    "target_penalty_events_2q": "OEM penalty events, target",
    "tolerated_penalty_events_2q": "OEM penalty events, tolerated",
    "gap_closure_days": "Gap closure time",
    "expected_reduction": "Expected reduction of addressable exposure",
    "emergency_premium_factor": "Emergency premium factor",
    "weight_cm_coverage": "Weight of condition-monitoring coverage",
    "weight_changeover": "Weight of changeover utilization",
    "weight_mtbf_trend": "Weight of MTBF trend",
    "weight_penalty_frequency": "Weight of OEM penalty frequency",
}

_WEIGHT_HELP = (
    "In the maturity composite each dimension counts weight ÷ sum of the weights of the "
    "dimensions that are known (≥ 0; at least one weight above 0)."
)
# The model's own help text where it has one; these fill in the rest, and replace the
# model's "(0–1)" for the fractions, which the form takes as percentages.
_HELP_TEXTS = {
    "min_cm_coverage_tier1": "Share of Tier 1 assets with a fresh sensor (0–100 %).",
    "min_changeover_utilization": (
        "Maintenance minutes executed ÷ available, last 4 windows (0–100 %)."
    ),
    "min_jit_failures_documented": (
        "Share of unplanned failures on JIT-linked lines with a failure mode (0–100 %)."
    ),
    "expected_reduction": (
        "Expected reduction of addressable exposure by a monitoring program (0–100 %)."
    ),
    "max_alert_response_median_hours": (
        "Median of acknowledged − detected for Tier 1 alerts, trailing 90 days, must not "
        "exceed this (above 0)."
    ),
    "max_alert_response_p90_hours": (
        "90th percentile of the same response times must not exceed this (at least the "
        "median maximum)."
    ),
    "target_penalty_events_2q": (
        "Penalty frequency scores 100 at or below this many events in the last 2 quarters."
    ),
    "tolerated_penalty_events_2q": (
        "Penalty frequency scores 50 at this many events and 0 at twice as many; a site "
        "above it is below standard (at least the target)."
    ),
    "gap_closure_days": "A site below standard must close the gap within this many days (≥ 1).",
    "weight_cm_coverage": _WEIGHT_HELP,
    "weight_changeover": _WEIGHT_HELP,
    "weight_mtbf_trend": _WEIGHT_HELP,
    "weight_penalty_frequency": _WEIGHT_HELP,
}


def standard_label(name: str) -> str:
    """The readable name of a standard's field (its attname, e.g. ``updated_by_id``, too)."""
    if name in STANDARD_LABELS:
        return STANDARD_LABELS[name]
    field = ReliabilityStandard._meta.get_field(name.removesuffix("_id"))
    return str(field.verbose_name).capitalize()


def standard_help(name: str) -> str:
    """What a standard's field means: the text the form shows under it."""
    return _HELP_TEXTS.get(name) or str(ReliabilityStandard._meta.get_field(name).help_text)


def percent_text(fraction) -> str:
    """A stored fraction as the percentage typed for it, without trailing zeros:
    ``Decimal("0.900")`` → "90", ``Decimal("0.925")`` → "92.5"."""
    percent = Decimal(str(fraction)) * 100
    if percent == percent.to_integral_value():
        return str(int(percent))
    return format(percent.normalize(), "f")


class PercentField(forms.DecimalField):
    """A fraction 0–1 entered and shown as a percentage: "90" is cleaned to 0.900, and a
    stored 0.900 is shown as "90". The column's limits (3 decimals of the fraction, so 1 of
    the percentage) and the range 0–100 are reported in percent, on the field."""

    def __init__(self, *, label: str, **kwargs):
        super().__init__(max_digits=4, decimal_places=3, label=label, **kwargs)
        message = f"{label} is {_PERCENT_RULE}."
        # Django %-formats the digit messages with the validator's parameters.
        for code in ("max_digits", "max_whole_digits", "max_decimal_places"):
            self.error_messages[code] = message.replace("%", "%%")
        self.error_messages["out_of_range"] = message

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(min="0", max="100", step="0.1")
        return attrs

    def prepare_value(self, value):
        # A stored fraction (unbound form) is shown as its percentage; what the user typed
        # (a string, on a form shown again with its errors) is shown as typed.
        if isinstance(value, Decimal | float | int):
            return percent_text(value)
        return value

    def to_python(self, value):
        percent = super().to_python(value)
        return None if percent is None else percent / 100

    def clean(self, value):
        # The stored form of a fraction, as "0.950" gave before: 3 decimals (after the
        # checks, so that a 4th decimal is refused, not rounded away).
        fraction = super().clean(value)
        return None if fraction is None else fraction.quantize(Decimal("0.001"))

    def validate(self, value):
        super().validate(value)
        if value is not None and not Decimal("0") <= value <= Decimal("1"):
            raise forms.ValidationError(
                f"{self.error_messages['out_of_range']} Got {percent_text(value)} %.",
                code="out_of_range",
            )


class ReliabilityStandardForm(forms.ModelForm):
    """The thresholds and weights of a portfolio's standard, checked field by field.

    The model's CheckConstraints are the rules; they are repeated here so that each
    violation is reported on the field it concerns, in words, instead of one constraint
    name (and never as an IntegrityError). ``based_on_version`` is the version the editor
    saw, so a save over someone else's newer version is refused (``standard_update``).
    """

    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    min_cm_coverage_tier1 = PercentField(
        label=STANDARD_LABELS["min_cm_coverage_tier1"],
        help_text=_HELP_TEXTS["min_cm_coverage_tier1"],
    )
    min_changeover_utilization = PercentField(
        label=STANDARD_LABELS["min_changeover_utilization"],
        help_text=_HELP_TEXTS["min_changeover_utilization"],
    )
    min_jit_failures_documented = PercentField(
        label=STANDARD_LABELS["min_jit_failures_documented"],
        help_text=_HELP_TEXTS["min_jit_failures_documented"],
    )
    expected_reduction = PercentField(
        label=STANDARD_LABELS["expected_reduction"], help_text=_HELP_TEXTS["expected_reduction"]
    )

    class Meta:
        model = ReliabilityStandard
        fields = STANDARD_FIELDS
        labels = STANDARD_LABELS
        help_texts = _HELP_TEXTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["based_on_version"].initial = self.instance.version
        for name, field in self.fields.items():
            if name in WEIGHT_FIELDS:
                field.widget.attrs.update(min="0", step="0.001")
        self.fields["emergency_premium_factor"].widget.attrs.update(min="1", step="0.01")
        self.fields["gap_closure_days"].widget.attrs["min"] = "1"
        self.fields["cm_freshness_hours"].widget.attrs["min"] = "1"
        self.fields["max_alert_response_median_hours"].widget.attrs["min"] = "0.01"

    def groups(self):
        """(title, [bound fields]) in the admin's grouping, for the template."""
        return [(title, [self[name] for name in names]) for title, names in STANDARD_GROUPS]

    def clean_emergency_premium_factor(self):
        value = self.cleaned_data["emergency_premium_factor"]
        if value < 1:
            raise forms.ValidationError(
                f"The emergency premium factor is at least 1 (emergency work costs at least "
                f"as much as planned work); got {value}."
            )
        return value

    def clean_gap_closure_days(self):
        value = self.cleaned_data["gap_closure_days"]
        if value < 1:
            raise forms.ValidationError("The gap closure time is at least 1 day.")
        return value

    def clean_cm_freshness_hours(self):
        # Not a model constraint, but 0 h would make every sensor stale and coverage 0.
        value = self.cleaned_data["cm_freshness_hours"]
        if value < 1:
            raise forms.ValidationError("The sensor freshness limit is at least 1 hour.")
        return value

    def clean_max_alert_response_median_hours(self):
        value = self.cleaned_data["max_alert_response_median_hours"]
        if value <= 0:
            raise forms.ValidationError("The median alert response maximum must be above 0 h.")
        return value

    def _clean_weight(self, name):
        value = self.cleaned_data[name]
        if value < 0:
            raise forms.ValidationError(f"{STANDARD_LABELS[name]} cannot be negative; got {value}.")
        return value

    def clean_weight_cm_coverage(self):
        return self._clean_weight("weight_cm_coverage")

    def clean_weight_changeover(self):
        return self._clean_weight("weight_changeover")

    def clean_weight_mtbf_trend(self):
        return self._clean_weight("weight_mtbf_trend")

    def clean_weight_penalty_frequency(self):
        return self._clean_weight("weight_penalty_frequency")

    def clean(self):
        data = super().clean()
        median = data.get("max_alert_response_median_hours")
        p90 = data.get("max_alert_response_p90_hours")
        if median is not None and p90 is not None and p90 < median:
            self.add_error(
                "max_alert_response_p90_hours",
                f"The p90 maximum ({p90} h) must be at least the median maximum ({median} h).",
            )
        target = data.get("target_penalty_events_2q")
        tolerated = data.get("tolerated_penalty_events_2q")
        if target is not None and tolerated is not None and tolerated < target:
            self.add_error(
                "tolerated_penalty_events_2q",
                f"Tolerated penalty events ({tolerated}) must be at least the target ({target}).",
            )
        weights = [data.get(name) for name in WEIGHT_FIELDS]
        if all(w is not None for w in weights) and not any(w > 0 for w in weights):
            # On every weight: an error on the fields also keeps the model's own constraint
            # check (which would repeat it as an unnamed form error) from running.
            for name in WEIGHT_FIELDS:
                self.add_error(name, "All four weights are 0: at least one must be above 0.")
        return data


class CapitalProposalForm(forms.Form):
    """One site's line of the capital plan; an empty amount removes the proposal."""

    amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=16,
        decimal_places=2,
        label="Proposed investment",
        error_messages={"min_value": "The investment must be zero or more."},
    )
    description = forms.CharField(required=False, max_length=300, label="What it buys")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is None and cleaned.get("description"):
            self.add_error("amount", "Give an amount, or clear the description too.")
        return cleaned
