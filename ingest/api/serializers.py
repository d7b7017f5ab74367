"""Ingest API shapes: the batch as reported, and what an upload or bulk request sends."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ingest import mappings
from ingest.models import IngestBatch, Kind, Mapping
from portfolio.models import Portfolio, Site


class IngestBatchSerializer(serializers.ModelSerializer):
    # null: a batch for many sites (its rows name them), and one loaded from the command line.
    site = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    progress = serializers.FloatField(read_only=True, allow_null=True)
    rejected_rows_url = serializers.SerializerMethodField()

    class Meta:
        model = IngestBatch
        fields = [
            "id",
            "kind",
            "source",
            "mapping",
            "mapping_definition",
            "column_overrides",
            "site",
            "create_missing_assets",
            "file_name",
            "file_size",
            "status",
            "error",
            "progress",
            "rows_total",
            "rows_read",
            "rows_inserted",
            "rows_updated",
            "rows_duplicate",
            "rows_rejected",
            "created_assets",
            "site_ids",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "rejected_rows_url",
        ]
        read_only_fields = fields

    def get_rejected_rows_url(self, batch) -> str:
        return reverse("api:ingest-batch-rejected", args=[batch.pk])


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "nullable": False}
)
class ColumnsField(serializers.JSONField):
    """Column overrides: an object of our field names to the file's column names."""


class BatchOptionsSerializer(serializers.Serializer):
    """Options every way of sending a batch shares."""

    mapping = serializers.CharField(default=mappings.CANONICAL, max_length=60)
    site = serializers.SlugRelatedField(
        slug_field="code", queryset=Site.objects.all(), required=False, allow_null=True
    )
    create_missing_assets = serializers.BooleanField(default=False)
    columns = ColumnsField(
        required=False, help_text="Our field -> the file's column name, over the mapping."
    )

    def validate_columns(self, value):
        try:
            return mappings.parse_column_overrides(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class UploadSerializer(BatchOptionsSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    file = serializers.FileField()


class BulkSerializer(BatchOptionsSerializer):
    """A bulk JSON request: the rows as objects keyed by our column names."""

    rows = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, min_length=1, max_length=1_000_000
    )


@extend_schema_field({"type": "object", "additionalProperties": {}})
class DefinitionField(serializers.JSONField):
    """A mapping's definition: a JSON object (its keys are checked by the service)."""


class MappingSerializer(serializers.ModelSerializer):
    """A stored column mapping; its definition is checked with the shipped ones' rules."""

    portfolio = serializers.SlugRelatedField(
        slug_field="code", queryset=Portfolio.objects.all(), required=False, allow_null=True
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    definition = DefinitionField(
        help_text="The mapping: columns, constants, dialect and key (docs/ingest.md)."
    )

    class Meta:
        model = Mapping
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "definition",
            "portfolio",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]

    def validate(self, attrs):
        merged = {
            name: attrs.get(name, getattr(self.instance, name, default))
            for name, default in (("name", ""), ("kind", ""), ("definition", None))
        }
        try:
            mappings.check_stored(**merged)
        except mappings.MappingError as exc:
            key, _, _ = str(exc).partition(":")
            where = key if key in ("name", "kind") else "definition"
            raise serializers.ValidationError({where: [str(exc)]}) from exc
        return attrs


class PreviewSerializer(serializers.Serializer):
    """What a preview answers: the first lines as stored, and the refused ones."""

    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField())
    rejected = serializers.ListField(child=serializers.DictField())
    would_create_assets = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField()
