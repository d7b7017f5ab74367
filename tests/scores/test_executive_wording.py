"""Issue 15, what an executive reads: probabilities never round to certainty, "can remove $0
of …" says why nothing is addressable, sources in the reader's words (no function names,
no "SPEC §"), the standard's shares as percentages, and the index of OEM customers."""

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse
from freezegun import freeze_time

from core.templatetags.figures import format_probability
from scores.charts import source_text
from scores.forms import ReliabilityStandardForm, percent_text
from scores.models import ReliabilityStandard, SiteScoreSnapshot
from scores.pages.common import (
    NO_PENALTIES,
    NO_REDUCTION,
    NONE_DETECTABLE,
    nothing_addressable,
    nothing_addressable_sentence,
)
from scores.pages.portfolio import capital_plan
from tests.factories import OEMCustomerFactory, RelationshipFactory
from tests.people import client_for
from tests.scores.test_dashboard_pages import scored  # noqa: F401  (a fixture)
from tests.scores.test_oem_pages import northway  # noqa: F401  (a fixture)

TODAY = "2026-01-20"


def render(text: str, **context) -> str:
    return Template("{% load figures %}" + text).render(Context(context))


# --- A. probabilities ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.999, "> 99 %"),  # 99.9 rounds to 100: short of certain
        (0.995, "> 99 %"),  # 99.5 rounds half-up to 100
        (0.994, "99 %"),
        (1, "100 %"),  # exactly certain (already in SDP)
        (1.0, "100 %"),
        (0.5, "50 %"),
        (0.35, "35 %"),
        (0.005, "1 %"),  # 0.5 rounds half-up to 1
        (0.0049, "< 1 %"),
        (0.001, "< 1 %"),
        (0, "0 %"),  # exactly impossible
    ],
)
def test_a_probability_never_rounds_to_certainty(value, shown):
    assert format_probability(value) == shown
    assert render("{{ p|probability }}", p=value) == shown.replace(">", "&gt;").replace("<", "&lt;")


def test_probability_with_a_decimal_and_unknowns():
    """One decimal: 0.9996 → 99.96 rounds to 100.0 → "> 99.9 %"; 0.0004 → "< 0.1 %"."""
    assert format_probability(0.9996, 1) == "> 99.9 %"
    assert format_probability(0.9994, 1) == "99.9 %"
    assert format_probability(0.0004, 1) == "< 0.1 %"
    assert render("{{ p|probability }}", p=None) == "—"
    assert render("{{ p|probability }}", p=float("nan")) == "—"


def test_shares_keep_the_plain_percent():
    """Coverage of 0.999 is a share, not a probability: it stays "100 %"."""
    assert render("{{ p|percent }}", p=0.999) == "100 %"


def test_pages_print_probabilities_short_of_certain(scored):  # noqa: F811
    """A relationship at 0.999 and a Tier 1 asset at 0.001: the portfolio and site pages say
    "> 99 %" and "< 1 %", never "100 %" or "0 %"."""
    snapshot = SiteScoreSnapshot.objects.get(site=scored.site_a, as_of=dt.date(2026, 11, 1))
    snapshot.details["revenue_at_risk"][0]["probability"] = 0.999
    snapshot.details["tier1"][0]["p_failure_12m"] = 0.001
    snapshot.save(update_fields=["details"])
    client = client_for(scored, "director_p")
    portfolio = client.get(reverse("scores:portfolio", args=["p"])).content.decode()
    assert '<td class="num">&gt; 99 %</td>' in portfolio
    site = client.get(reverse("scores:site", args=["site-a"])).content.decode()
    assert '<td class="num">&gt; 99 %</td>' in site
    assert '<td class="num">&lt; 1 %</td>' in site
    assert "100 %</td>" not in site


# --- B. when condition monitoring can remove nothing ------------------------------------------


@pytest.mark.parametrize(
    ("exposure", "addressable", "avoidable", "reason"),
    [
        (0, 0, 0, NO_PENALTIES),
        (310_000, 0, 0, NONE_DETECTABLE),
        (310_000, 248_000, 0, NO_REDUCTION),  # the standard expects a 0 % reduction
        (310_000, 248_000, 198_400, None),  # something to remove: the usual sentence
        (310_000, 248_000, None, None),
        (None, None, None, None),  # unknown is not nothing
        (310_000, None, None, None),
    ],
)
def test_why_nothing_is_addressable(exposure, addressable, avoidable, reason):
    assert nothing_addressable(exposure, addressable, avoidable) == reason


def test_nothing_addressable_sentences_name_the_reason_and_window():
    window = "trailing 12 months to 2026-12-03"
    assert nothing_addressable_sentence("Site C", NONE_DETECTABLE, window) == (
        "None of Site C's OEM penalties came from failures condition monitoring detects: "
        "it can remove none of the exposure (trailing 12 months to 2026-12-03)."
    )
    assert nothing_addressable_sentence("Site C", NO_PENALTIES, None) == (
        "Site C has no OEM penalty exposure: there is nothing for condition monitoring to remove."
    )
    assert nothing_addressable_sentence("Site C", None, window) is None


def test_capital_rows_say_why_nothing_is_avoided():
    """Two proposals: A avoids 96,000; B has 100,000 of exposure, none addressable."""
    a, b = SimpleNamespace(pk=1), SimpleNamespace(pk=2)

    def row(site, exposure, addressable):
        details = {"addressable_exposure": {"avoidable": addressable * 0.8}}
        snapshot = {
            "penalty_exposure": exposure,
            "addressable_exposure": addressable,
            "details": details,
        }
        return {"site": site, "snapshot": snapshot}

    proposals = {1: SimpleNamespace(amount=Decimal("60000")), 2: SimpleNamespace(amount=50000)}
    rows = capital_plan([row(a, 300_000, 120_000), row(b, 100_000, 0)], proposals, None)
    assert [(r["site"].pk, r["nothing_avoided"]) for r in rows] == [
        (1, None),
        (2, "no penalty came from a failure condition monitoring detects"),
    ]


def test_pages_say_why_instead_of_zero_dollars(scored):  # noqa: F811
    """Site B: $100,000 of exposure, none addressable. The capital table, the translation
    table and the site page say why; no "$0 of" anywhere."""
    client = client_for(scored, "director_p")
    portfolio = client.get(reverse("scores:portfolio", args=["p"])).content.decode()
    assert "Nothing: no penalty came from a failure condition monitoring detects" in portfolio
    translation = client.get(reverse("scores:translation", args=["p"])).content.decode()
    assert (
        "None of Site B&#x27;s OEM penalties came from failures condition monitoring detects: "
        "it can remove none of the exposure (trailing 12 months to 2026-11-01)."
    ) in translation
    # Site A still has something to remove, and says how much.
    assert "Condition monitoring can remove $120,000 of Site A" in translation
    site = client.get(reverse("scores:site", args=["site-b"])).content.decode()
    assert "None of Site B&#x27;s OEM penalties came from failures" in site
    assert "nothing to avoid: no penalty came from a failure" in site
    for html in (portfolio, translation, site):
        assert "$0 of" not in html


def test_a_portfolio_without_detectable_penalties_says_so(scored):  # noqa: F811
    """With no addressable exposure anywhere the addressable tile says why, not "$0 of"."""
    SiteScoreSnapshot.objects.filter(site__portfolio=scored.portfolio_p).update(
        addressable_exposure=Decimal(0)
    )
    response = client_for(scored, "director_p").get(reverse("scores:portfolio", args=["p"]))
    tile = next(t for t in response.context["tiles"] if t["key"] == "addressable_share")
    assert tile["sentence"] == (
        "None of Portfolio P's OEM penalties came from failures condition monitoring "
        "detects: it can remove none of the exposure."
    )


# --- C. sources in the reader's words ----------------------------------------------------------

# A dotted Python name (oem.metrics, scores.figures.maturity), a call, or a spec reference.
DEVELOPER_WORDS = re.compile(r"\b[a-z_]+\.[a-z_]+\b(?<!\.html)|\w\(\)|SPEC|§")


def visible_text(html: str) -> str:
    """The page without its scripts, styles and URLs (what a reader sees, tooltips kept)."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r'(href|src|action|id|class|data-[\w-]+)="[^"]*"', "", html)
    return html


def test_source_text_names_the_records_and_the_window():
    assert source_text("Penalty invoices by customer", "trailing 12 months to 2026-12-03") == (
        "Penalty invoices by customer, trailing 12 months to 2026-12-03"
    )
    assert source_text("Penalty invoices by customer", None) == "Penalty invoices by customer"


def test_dashboards_name_no_function_and_no_spec(scored):  # noqa: F811
    client = client_for(scored, "director_p")
    pages = {
        "portfolio": client.get(reverse("scores:portfolio", args=["p"])),
        "site": client.get(reverse("scores:site", args=["site-a"])),
        "translation": client.get(reverse("scores:translation", args=["p"])),
        "standard": client.get(reverse("scores:standard", args=["p"])),
        "asset": client.get(f"/assets/{scored.asset_a.pk}/"),
        "customers": client.get(reverse("scores:customers")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        found = DEVELOPER_WORDS.findall(visible_text(response.content.decode()))
        assert found == [], (name, found)
    charts = {**pages["portfolio"].context["charts"], **pages["site"].context["charts"]}
    for key, chart in charts.items():
        assert chart["source"] and not DEVELOPER_WORDS.search(chart["source"]), key
    # The source names the data and its window.
    assert charts["penalties"]["source"] == (
        "Penalty invoices by customer, trailing 12 months to 2026-11-01"
    )


def test_oem_pages_name_no_function(world, northway):  # noqa: F811
    for url in (
        f"/oem/relationships/{northway['a'].pk}/",
        "/oem/customers/northway/",
        "/oem/customers/",
    ):
        with freeze_time(TODAY):
            html = client_for(world, "executive").get(url).content.decode()
        assert DEVELOPER_WORDS.findall(visible_text(html)) == [], url


# --- D. the standard's shares as percentages ---------------------------------------------------


def test_the_form_shows_and_takes_percentages(world):
    """Stored 0.900 shows as "90"; "92.5" is stored as 0.925; the unit is %."""
    standard = ReliabilityStandard.objects.get(portfolio=world.portfolio_p)
    form = ReliabilityStandardForm(instance=standard)
    assert form["min_cm_coverage_tier1"].value() == "90"
    assert form["expected_reduction"].value() == "80"
    assert 'max="100"' in str(form["min_cm_coverage_tier1"])
    data = {name: form[name].value() for name in form.fields}
    data.update(min_cm_coverage_tier1="92.5", based_on_version=1)
    bound = ReliabilityStandardForm(data, instance=standard)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["min_cm_coverage_tier1"] == Decimal("0.925")
    assert str(bound.cleaned_data["expected_reduction"]) == "0.800"
    assert (percent_text(Decimal("0.925")), percent_text(Decimal("1.000"))) == ("92.5", "100")


# --- E. the index of OEM customers -------------------------------------------------------------


def index(world, name):
    with freeze_time(TODAY):
        return client_for(world, name).get("/oem/customers/")


def test_the_index_lists_customers_with_relationships_and_revenue_at_risk(world, northway):  # noqa: F811
    """Northway at A (18M × Φ(2) = $17.6M stored), B and C (not scored): 3 relationships at
    3 sites, $17.6M with 2 not yet scored, as the customer page totals it. A second
    customer only at C."""
    RelationshipFactory(
        customer=OEMCustomerFactory(code="acme", name="Acme Trucks"), site=world.site_c
    )
    response = index(world, "executive")
    assert response.status_code == 200
    rows = response.context["customers"]
    assert [(r["customer"].code, r["relationships"], r["sites"]) for r in rows] == [
        ("acme", 1, 1),
        ("northway", 3, 3),
    ]
    page = client_for(world, "executive").get("/oem/customers/northway/")
    assert rows[1]["totals"] == page.context["totals"]
    html = response.content.decode()
    assert '<a href="/oem/customers/northway/">Northway Motors</a>' in html
    assert "$17.6M" in html and "(2 not yet scored)" in html


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("tech_a", ["northway"]),
        ("tech_b", ["northway"]),
        ("director_p", ["northway"]),
        ("director_q", ["acme", "northway"]),
        ("executive", ["acme", "northway"]),
    ],
)
def test_the_index_shows_only_customers_at_sites_one_sees(world, northway, name, codes):  # noqa: F811
    """Acme is only at site C: A's and B's people never see it, nor its name."""
    RelationshipFactory(
        customer=OEMCustomerFactory(code="acme", name="Acme Trucks"), site=world.site_c
    )
    response = index(world, name)
    assert [r["customer"].code for r in response.context["customers"]] == codes
    assert ("Acme Trucks" in response.content.decode()) == ("acme" in codes)


def test_tech_b_does_not_see_site_a_s_money(world, northway):  # noqa: F811
    """Tech B sees Northway through site B only: one relationship, not yet scored; site
    A's $17.6M is not in the index."""
    response = index(world, "tech_b")
    (row,) = response.context["customers"]
    assert (row["relationships"], row["sites"]) == (1, 1)
    html = response.content.decode()
    assert "$17.6M" not in html and "not yet scored" in html


def test_the_index_is_empty_with_a_reason(world):
    response = index(world, "tech_a")
    assert response.context["customers"] == []
    html = response.content.decode()
    assert "No OEM customer has a relationship at your sites yet." in html
    # Who loads them, in words; a technician is not sent to a page that refuses them.
    assert "The operator loads the customers" in html and 'href="/ingest/"' not in html
    anonymous = index(world, "anonymous")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")


def test_the_index_is_linked_and_its_queries_are_pinned(
    world,
    northway,  # noqa: F811
    django_assert_max_num_queries,
):
    """Linked from the portfolio, customer and relationship pages. Five queries: session,
    user, memberships, relationships, snapshots."""
    client = client_for(world, "executive")
    with freeze_time(TODAY):
        for url in (
            "/portfolios/p/",
            "/oem/customers/northway/",
            f"/oem/relationships/{northway['a'].pk}/",
        ):
            assert 'href="/oem/customers/"' in client.get(url).content.decode(), url
        with django_assert_max_num_queries(5):
            assert client.get("/oem/customers/").status_code == 200
