"""``visible_to(user)`` for every model: one queryset class, one rule (portfolio.access).

The imports inside the methods are deliberate: models.py builds its managers from these
classes, and access.py imports models.py, so neither can be imported at the top here.
"""

from django.db import models
from django.db.models import Q


class SiteScopedQuerySet(models.QuerySet):
    """Rows of a model that belongs to a site, reached through ``Model.site_lookup``.

    ``site_lookup`` is the path from the model to its Site ("site", "line__site",
    "relationship__site", …), or "" for Site itself.
    """

    def visible_to(self, user):
        # models.py builds its managers from this module: import at call time.
        from portfolio.access import visible_sites_q
        from portfolio.models import Site

        lookup = self.model.site_lookup
        if not lookup:
            return self.filter(visible_sites_q(user))

        return self.filter(**{f"{lookup}__in": Site.objects.filter(visible_sites_q(user))})


class PortfolioQuerySet(models.QuerySet):
    def visible_to(self, user):
        # models.py builds its managers from this module: import at call time.
        from portfolio.access import visible_portfolios_q

        return self.filter(visible_portfolios_q(user))


class PeopleScopedQuerySet(models.QuerySet):
    """Rows about a person (``Model.person_lookup``): their own, and those of people with
    a membership at a site or portfolio the viewer sees."""

    def visible_to(self, user):
        # models.py builds its managers from this module: import at call time.
        from portfolio.access import sees_everything, visible_people_q

        if sees_everything(user):
            return self.all()
        return self.filter(visible_people_q(user, self.model.person_lookup)).distinct()


class PortfolioWideQuerySet(models.QuerySet):
    """Rows that apply to a whole portfolio (its reliability standard, its escalation rules):
    seen with the portfolio, and by people at its sites, who are held to them."""

    def visible_to(self, user):
        # models.py builds its managers from this module: import at call time.
        from portfolio.models import Portfolio, Site

        return self.filter(
            Q(portfolio__in=Portfolio.objects.visible_to(user))
            | Q(portfolio__sites__in=Site.objects.visible_to(user))
        ).distinct()
