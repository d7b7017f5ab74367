"""The upload form for the browser; the API uses ingest.api.serializers with the same rules."""

from django import forms

from ingest import mappings
from ingest.models import Kind
from portfolio.models import Site


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
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

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()
        self.fields["mapping"].choices = [
            (name, f"{name} ({m.kind or 'any kind'})") for name, m in mappings.shipped().items()
        ]

    def clean_columns(self):
        try:
            return mappings.parse_column_overrides(self.cleaned_data["columns"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
