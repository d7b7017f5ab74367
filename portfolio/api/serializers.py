"""Output-only representations of portfolios and sites."""

from rest_framework import serializers

from portfolio.models import Portfolio, Site


class PortfolioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Portfolio
        fields = ["id", "code", "name", "currency", "is_acquisition_target"]
        read_only_fields = fields


class SiteSerializer(serializers.ModelSerializer):
    portfolio = serializers.CharField(source="portfolio.code", read_only=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "portfolio",
            "timezone",
            "annual_revenue",
            "production_value_per_hour",
        ]
        read_only_fields = fields
