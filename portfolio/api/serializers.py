"""Output-only representations of portfolios and sites."""

from rest_framework import serializers

from portfolio.models import Portfolio, Site


class PortfolioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Portfolio
        fields = ["id", "code", "name", "currency", "is_acquisition_target"]
        read_only_fields = fields


class PortfolioCreateSerializer(serializers.ModelSerializer):
    """A new portfolio: code and name required; currency (ISO 4217, default USD) and the
    acquisition-target flag optional. Checked by the service (portfolio.services)."""

    # The service checks codes without case and upper-cases the currency; the model's
    # validators would refuse "eur" before it could.
    code = serializers.CharField(max_length=40)
    currency = serializers.CharField(max_length=3, required=False, default="USD")

    class Meta:
        model = Portfolio
        fields = ["code", "name", "currency", "is_acquisition_target"]


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
