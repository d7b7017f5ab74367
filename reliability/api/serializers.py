"""Assets (read only) and alerts (read, plus the response protocol's actions)."""

from rest_framework import serializers

from reliability.models import Alert, AlertResolution, Asset, WorkOrder, Zone


class AssetSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code", read_only=True)
    line = serializers.CharField(source="line.code", read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "code",
            "name",
            "site",
            "line",
            "asset_class",
            "tier",
            "is_bottleneck",
            "machine_group",
            "foundation",
            "replacement_value",
            "is_active",
        ]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="asset.site.code", read_only=True)
    asset = serializers.CharField(source="asset.code", read_only=True)
    tier = serializers.IntegerField(source="asset.tier", read_only=True)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, default=None, allow_null=True
    )
    work_order = serializers.CharField(
        source="work_order.external_id", read_only=True, default=None, allow_null=True
    )
    # "" while no zone applies (a threshold or trend alert): the schema's enum says so.
    first_zone = serializers.ChoiceField(choices=Zone.choices, allow_blank=True, read_only=True)
    worst_zone = serializers.ChoiceField(choices=Zone.choices, allow_blank=True, read_only=True)
    # "" until the alert is closed.
    resolution = serializers.ChoiceField(
        choices=AlertResolution.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "site",
            "asset",
            "tier",
            "metric",
            "rule",
            "status",
            "detected_at",
            "first_zone",
            "worst_zone",
            "rate_per_day",
            "estimated_hours_to_failure",
            "acknowledged_at",
            "acknowledged_by",
            "work_order",
            "closed_at",
            "resolution",
        ]
        read_only_fields = fields


class LinkWorkOrderSerializer(serializers.Serializer):
    work_order = serializers.CharField(help_text="The work order's number at the alert's site.")


class CloseAlertSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=AlertResolution.choices)


class WorkOrderSerializer(serializers.ModelSerializer):
    """A work order with its net cost (parts + labour; negative for a credit)."""

    site = serializers.CharField(source="site.code", read_only=True)
    asset = serializers.CharField(source="asset.code", read_only=True)
    net_cost = serializers.DecimalField(max_digits=17, decimal_places=2, read_only=True)
    is_credit = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "site",
            "asset",
            "external_id",
            "kind",
            "description",
            "opened_at",
            "started_at",
            "completed_at",
            "downtime_minutes",
            "parts_cost",
            "labour_hours",
            "labour_cost",
            "net_cost",
            "is_credit",
        ]
        read_only_fields = fields

    def get_is_credit(self, order) -> bool:
        return order.net_cost < 0


class CurrencyTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    net_parts = serializers.DecimalField(max_digits=18, decimal_places=2)
    net_labour = serializers.DecimalField(max_digits=18, decimal_places=2)
    net_total = serializers.DecimalField(max_digits=19, decimal_places=2)
    credits = serializers.IntegerField(help_text="Work orders whose net cost is negative.")


class WorkOrderTotalsSerializer(CurrencyTotalsSerializer):
    currency = serializers.CharField(
        allow_null=True, help_text="Null when the work orders span several currencies."
    )
    net_parts = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    net_labour = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    net_total = serializers.DecimalField(max_digits=19, decimal_places=2, allow_null=True)
    by_currency = CurrencyTotalsSerializer(
        many=True, help_text="The same totals per currency; money is never added across them."
    )
