"""The upload form for the browser; the API uses ingest.api.serializers with the same rules."""

from django import forms

from ingest import mappings
from ingest.models import Kind
from ingest.models import Mapping as StoredMapping
from portfolio.models import Site


class UploadForm(forms.Form):
    kind = forms.ChoiceField(help_text="What the file holds; its columns are listed below.")
    mapping = forms.ChoiceField(help_text="How the file's columns map to ours.")
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        to_field_name="code",
        help_text="For rows that name no site.",
    )
    create_missing_assets = forms.BooleanField(
        required=False, help_text="Onboarding: create assets the file names but we lack."
    )
    columns = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": '{"external_id": "Work Order #"}'}),
        help_text="Optional: our field → your column name, as JSON.",
    )
    file = forms.FileField()

    def __init__(self, *args, kinds=(), sites=None, stored=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only the kinds the user may load, the first chosen: offering Sites to a site
        # manager would only lead to a refusal.
        self.fields["kind"].choices = [(kind, Kind(kind).label) for kind in kinds]
        if kinds:
            self.fields["kind"].initial = kinds[0]
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()
        shipped = [(name, _mapping_label(name, m)) for name, m in mappings.shipped().items()]
        # Stored mappings the user may use, beside the shipped ones (batch_create checks
        # the kind, as for a shipped one).
        own = [(m.name, _mapping_label(m.name, m)) for m in stored]
        self.fields["mapping"].choices = [("Shipped", shipped), ("Stored", own)] if own else shipped

    def clean_columns(self):
        try:
            return mappings.parse_column_overrides(self.cleaned_data["columns"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


def _mapping_label(name: str, mapping) -> str:
    if name == mappings.CANONICAL:
        return f"{name} (our column names, as in the templates below)"
    return f"{name} ({mapping.kind or 'any kind'})"


MAPPING_EXAMPLE = """{
  "description": "Work orders from our CMMS export",
  "columns": {"Tag": "asset", "WO Type": "kind", "Opened": "opened_at"},
  "constants": {"site": "plant-1"},
  "timestamp_format": "%d.%m.%Y %H:%M",
  "timezone": "site",
  "value_maps": {"kind": {"PM": "preventive", "CM": "corrective"}},
  "key": ["asset", "opened_at", "description"]
}"""


class MappingForm(forms.ModelForm):
    """A stored mapping: its definition is the JSON of a mapping file (docs/ingest.md)."""

    definition = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "placeholder": MAPPING_EXAMPLE}),
        help_text="The mapping's keys as JSON: columns, constants, timestamp_format, "
        "date_format, timezone, units, value_maps, wide, key (name and kind come from above).",
    )

    class Meta:
        model = StoredMapping
        fields = ["name", "kind", "description", "portfolio", "definition"]

    def __init__(self, *args, portfolios=None, shared_allowed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].queryset = portfolios
        self.fields["portfolio"].required = not shared_allowed
        if shared_allowed:
            self.fields["portfolio"].empty_label = "(shared: everyone who may load data)"
        else:  # only the operator keeps shared mappings: offer one's portfolios, the first chosen
            self.fields["portfolio"].empty_label = None
            first = portfolios.order_by("name").first() if portfolios is not None else None
            if first is not None and self.initial.get("portfolio") is None:
                self.initial["portfolio"] = first.pk

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            mappings.check_stored(
                name=cleaned.get("name", ""),
                kind=cleaned.get("kind", ""),
                definition=cleaned.get("definition"),
            )
        except mappings.MappingError as exc:
            key = str(exc).partition(":")[0]
            self.add_error(key if key in ("name", "kind") else "definition", str(exc))
        return cleaned
