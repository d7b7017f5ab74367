"""Output-only representation of assets."""

from rest_framework import serializers

from reliability.models import Asset


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
