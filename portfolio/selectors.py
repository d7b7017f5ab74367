"""Read-side queries for the portfolio pages; every one scoped with ``visible_to``."""

from django.db.models import Count, Q

from portfolio.models import Site


def site_overview(user):
    """The sites ``user`` may see, with their portfolio and counts of in-service assets
    (all, and Tier 1), ordered for grouping by portfolio. One query."""
    in_service = Q(assets__is_active=True)
    return (
        Site.objects.visible_to(user)
        .select_related("portfolio")
        .annotate(
            asset_count=Count("assets", filter=in_service),
            tier1_asset_count=Count("assets", filter=in_service & Q(assets__tier=1)),
        )
        .order_by("portfolio__name", "portfolio_id", "name")
    )
