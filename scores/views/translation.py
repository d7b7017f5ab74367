"""The translation table: every operational figure of a portfolio's sites beside
its one-sentence financial translation, from each site's latest score snapshot."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from core.params import parse_as_of, read_filters
from portfolio.models import Portfolio
from scores.pages.translation import translation_page

#: Where the table's figures come from, in the reader's words (docs/scoring.md names the
#: functions).
SOURCE = (
    "each site's latest scores, computed from its work orders, failure events, penalty "
    "invoices, scorecards, sensor readings and production records"
)


@require_safe
@login_required
def translation(request, code):
    """The portfolio's sites, each with its figures and sentences; ``?as_of=YYYY-MM-DD``
    shows each site's latest snapshot on or before that day."""
    portfolio = get_object_or_404(Portfolio.objects.visible_to(request.user), code=code)
    filters, errors = read_filters(request.GET, as_of=parse_as_of)
    as_of_error = " ".join(errors)
    page = translation_page(portfolio, as_of=filters["as_of"])
    return render(
        request,
        "scores/translation.html",
        {
            **vars(page),
            "as_of_text": request.GET.get("as_of", "") if as_of_error else "",
            "as_of_error": as_of_error,
            "source": SOURCE,
        },
    )
