"""Assets, read only, scoped by ``visible_to`` (portfolio.access)."""

from rest_framework import viewsets

from reliability.api.filters import AssetFilter
from reliability.api.serializers import AssetSerializer
from reliability.models import Asset


class AssetViewSet(viewsets.ReadOnlyModelViewSet):
    """The assets at the sites the user may see; filter by site, line, tier, asset_class."""

    serializer_class = AssetSerializer
    filterset_class = AssetFilter

    def get_queryset(self):
        return Asset.objects.visible_to(self.request.user).select_related("site", "line")
