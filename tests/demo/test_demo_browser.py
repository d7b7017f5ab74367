"""What a first visitor of `python3 dev.py demo` sees, in a real browser, as each demo user
(issue 15, Proof): the small demo loaded up to this hour and scored as of today, every page
the user reaches from the menu and the pages' own links, read as a person reads them.

No page shows "None", a certain "100 %", "$0 of", "SPEC", "§", a Python function's name,
a server error or a script error; none scrolls sideways on a 390 px phone; Site A (the
mature site) does not read 0 % CM coverage; the technician has an alert to work. Each page
is saved as test-artifacts/screenshots/demo/<user>-<page>.png (or under
$TEST_ARTIFACTS_DIR), git-ignored.

The demo is loaded and scored once for the module, committed and served by a live server of
its own (as tests/scores/test_browser.py does it, with dev.py's steps instead of a fixed end
date), and the database is put back as it was after the last test.
"""

import io
import re
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import modify_settings
from django.urls import reverse

from tests.browser import (
    chromium,
    console_errors,
    require_chromium,
    save_page_screenshot,
    sign_in,
    wait_until,
)
from tests.core.test_narrow_screen import PAGE_WIDTH, PHONE, phone
from tests.scores.test_browser import ALL_CHARTS_DRAWN, NOT_FOUND, path_of, screenshot_path

pytestmark = pytest.mark.django_db

USERS = ("vp", "director", "manager", "tech")
HOME_SITE = "site-a"  # demo/generator.py: the mature site, where manager and tech work

# The pages a user reaches, by the path of a link (query and fragment dropped): a name for
# the screenshot and how many of each kind to visit (None: every one the user sees).
PAGES = (
    ("home", re.compile(r"^/$"), 1),
    ("sites", re.compile(r"^/sites/$"), 1),
    ("portfolios", re.compile(r"^/portfolios/$"), 1),
    ("portfolio", re.compile(r"^/portfolios/(?!new/)([\w-]+)/$"), None),
    ("translation", re.compile(r"^/portfolios/([\w-]+)/translation/$"), 1),
    ("standard", re.compile(r"^/portfolios/([\w-]+)/standard/$"), 1),
    ("capital-plan", re.compile(r"^/portfolios/([\w-]+)/capital-plan/$"), 1),
    ("site", re.compile(r"^/sites/([\w-]+)/$"), None),
    ("asset", re.compile(r"^/assets/\d+/$"), 1),
    ("alerts", re.compile(r"^/alerts/$"), 1),
    ("alert", re.compile(r"^/alerts/\d+/$"), 1),
    ("patterns", re.compile(r"^/alerts/patterns/$"), 1),
    ("notifications", re.compile(r"^/notifications/$"), 1),
    ("customers", re.compile(r"^/oem/customers/$"), 1),
    ("customer", re.compile(r"^/oem/customers/([\w-]+)/$"), 1),
    ("relationship", re.compile(r"^/oem/relationships/\d+/$"), 1),
    ("data-in", re.compile(r"^/ingest/$"), 1),
)
# The pages every user reaches; those who see a portfolio reach its pages too, and those
# who may load data (ingest.kinds.loadable_kinds) reach Data in from the menu.
EXPECTED = {
    "home",
    "site",
    "asset",
    "alerts",
    "alert",
    "notifications",
    "customers",
    "customer",
    "relationship",
}
PORTFOLIO_PAGES = {"portfolio", "translation", "capital-plan"}
SEES_PORTFOLIO = {"vp", "director"}

# What a first visitor must never read (visible text, title attributes and chart text).
NEVER = (
    ("None", re.compile(r"\bNone\b")),
    ("NaN", re.compile(r"\bNaN\b")),
    # Not a range's end ("0–100 %"); a value of exactly 1 is let through by exactly_one().
    ("100 %", re.compile(r"(?<![\d.,–])100(?:\.0+)?[ \u00a0\u202f]?%")),
    ("$0 of", re.compile(r"\$0 of\b")),
    ("SPEC", re.compile(r"SPEC")),
    ("§", re.compile(r"§")),
    (
        "a function's name",
        re.compile(r"\b[a-z_]+\.(?:metrics|figures|selectors|services|charts)\b"),
    ),
    ("a server error", re.compile(r"Traceback|Server Error")),
)

PAGE_TEXT = """
var titles = Array.from(document.querySelectorAll("[title]"), function (e) { return e.title; });
var charts = Array.from(document.querySelectorAll("div.plot svg text"),
                        function (e) { return e.textContent; });
return [document.body.innerText, titles.join("\\n"), charts.join("\\n")];
"""
LINKS = "return Array.from(document.querySelectorAll('a[href]'), function (a) { return a.href; });"
MENU = "return Array.from(document.querySelectorAll('.site-header nav a'), a => a.textContent);"
STATUS = "return performance.getEntriesByType('navigation')[0].responseStatus"
# Site A's CM coverage as the site page's table against the standard shows it.
COVERAGE = """
var rows = Array.from(document.querySelectorAll("#standard tbody tr"));
var row = rows.find(function (r) { return /coverage/i.test(r.cells[0].innerText); });
return row ? row.cells[1].innerText.trim() : null;
"""
LIVE_ALERTS = (
    "return document.querySelectorAll('table.alerts td:not(.status-closed)[class^=status-]').length"
)


@pytest.fixture(scope="module")
def live_demo(django_db_setup, django_db_blocker):
    """`dev.py demo`'s data: the small demo up to this hour, scored for today and the 8
    quarter ends before, committed and served; then the database as it was."""
    require_chromium()  # before spending seconds on data no test would use
    from pytest_django.live_server_helper import LiveServer

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    with django_db_blocker.unblock():
        # This fixture commits to the test database and empties it: never another one.
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict
        before = connection.creation.serialize_db_to_string()
        try:
            call_command("seed_demo", "--scale", "small", **quiet)  # as dev.py run_demo
            call_command("recompute", "--backfill-quarters", "8", **quiet)
            server = LiveServer("localhost")
            try:
                with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
                    yield server.url
            finally:
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(before)


@dataclass
class Walk:
    """The pages one user visited, by kind, and what was wrong on them."""

    user: str
    loads: bool  # may load data (ingest.kinds.loadable_kinds)
    exactly_one: tuple[re.Pattern, ...]  # where "100 %" is a value of exactly 1
    visited: dict[str, list[str]] = field(default_factory=dict)  # kind → paths
    problems: list[str] = field(default_factory=list)
    menu: list[str] = field(default_factory=list)
    live_alerts: int | None = None  # alerts not closed on the first page of Alerts

    def problem(self, path: str, what: str) -> None:
        self.problems.append(f"{self.user} {path}: {what}")


def kind_of(path: str) -> str | None:
    return next((name for name, pattern, _ in PAGES if pattern.match(path)), None)


def screenshot_name(kind: str, path: str) -> str:
    match = dict((n, p) for n, p, _ in PAGES)[kind].match(path)
    slug = match.group(1) if match and match.groups() else None
    return f"{kind}-{slug}" if slug and kind in ("portfolio", "site") else kind


def shown(text: str, at: int) -> str:
    return " ".join(text[max(0, at - 60) : at + 60].split())


def loaded(driver, base_url: str, path: str) -> None:
    driver.get(base_url + path)
    wait_until(driver, lambda d: d.execute_script(ALL_CHARTS_DRAWN), f"the charts of {path}")


def read_page(driver, walk: Walk, kind: str, path: str) -> list[str]:
    """Checks the page the browser shows (wide); returns the paths of its links."""
    name = screenshot_name(kind, path)
    save_page_screenshot(driver, screenshot_path(f"demo/{walk.user}-{name}"))
    if (status := driver.execute_script(STATUS)) != 200:
        walk.problem(path, f"answered {status}")
    body, titles, charts = driver.execute_script(PAGE_TEXT)
    for source, text in (("text", body), ("title", titles), ("chart", charts)):
        for phrase in walk.exactly_one:
            text = phrase.sub("[exactly one]", text)
        for what, pattern in NEVER:
            for found in pattern.finditer(text):
                walk.problem(path, f"{what} in {source}: {shown(text, found.start())!r}")
    if errors := console_errors(driver, expected=NOT_FOUND):
        walk.problem(path, f"console errors {errors}")
    if kind == "alerts":
        walk.live_alerts = driver.execute_script(LIVE_ALERTS)
    if kind == "data-in" and "You may not load data" in body:
        walk.problem(path, "Data in refuses: 'You may not load data'")
    if kind == "site" and path == reverse("scores:site", args=[HOME_SITE]):
        coverage = driver.execute_script(COVERAGE)
        if coverage in (None, "0 %", "—"):
            walk.problem(path, f"Site A's CM coverage reads {coverage!r}")
    links = {re.sub(r"^https?://[^/]+", "", href) for href in driver.execute_script(LINKS)}
    paths = sorted({re.split(r"[?#]", link)[0] for link in links if link.startswith("/")})
    if not walk.loads and reverse("ingest:batches") in paths:
        walk.problem(path, "links to Data in, which refuses this user")
    return paths


def fits(driver) -> bool:
    return driver.execute_script(PAGE_WIDTH) <= PHONE["width"]


def walk_as(driver, base_url: str, walk: Walk) -> Walk:
    """Signs in as ``walk.user`` and visits, breadth first, the pages of PAGES the home page,
    the menu and the pages' links lead to (and the customers' index, which the brief
    names), each wide, then on a phone."""
    limits = {name: limit for name, _, limit in PAGES}
    sign_in(driver, base_url, walk.user, "demo")
    walk.menu = driver.execute_script(MENU)
    queue = [reverse("home"), reverse("scores:customers")]
    seen = set(queue)
    while queue:
        path = queue.pop(0)
        loaded(driver, base_url, path)
        landed = path_of(driver).split("?")[0]
        kind = kind_of(landed) or "home"  # home redirects to the user's landing page
        seen.add(landed)
        walk.visited.setdefault(kind, []).append(landed)
        if path == reverse("home") and kind != "home":
            walk.visited.setdefault("home", []).append(landed)
        links = read_page(driver, walk, kind, landed)
        # Then as wide as a phone: the page reflows at once and the charts (responsive)
        # on the resize Chromium sends, as on a phone turned; the page must fit the screen.
        phone(driver)
        try:
            wait_until(driver, fits, "the page to fit 390 px", seconds=2)
        except AssertionError:
            width = driver.execute_script(PAGE_WIDTH)
            walk.problem(landed, f"scrolls sideways at 390 px: {width} px wide")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        for link in links:
            linked = kind_of(link)
            if linked is None or link in seen:
                continue
            limit = limits[linked]
            queued = len(walk.visited.get(linked, [])) + sum(kind_of(q) == linked for q in queue)
            if limit is None or queued < limit:
                queue.append(link)
                seen.add(link)
    return walk


def exactly_one() -> tuple[re.Pattern, ...]:
    """The phrases where "100 %" is a value of exactly 1, not a rounded one: a site whose
    every Tier 1 asset has a fresh sensor (n of n), a standard's bar set at 1, and the
    definition of P(SDP review), which is 1 once a relationship is in review."""
    from django.utils import timezone

    from scores.models import ReliabilityStandard, SiteScoreSnapshot

    phrases = [r"100 % when already in SDP"]
    full = [
        s.site.name
        for s in SiteScoreSnapshot.objects.filter(as_of=timezone.now().date()).select_related(
            "site"
        )
        if (s.details.get("cm_coverage") or {}).get("value") == 1
    ]
    if full:
        names = "|".join(re.escape(name) for name in full)
        phrases += [
            rf"(?:{names}) monitors 100 % of its Tier 1 assets",
            r"(?:CM coverage of Tier 1 assets|Condition-monitoring coverage \(Tier 1\)|coverage)"
            r"\s+100 %",
        ]
    bars = ReliabilityStandard.objects.values_list(
        "min_cm_coverage_tier1", "min_changeover_utilization", "min_jit_failures_documented"
    )
    if any(bar == 1 for row in bars for bar in row):
        phrases.append(r"minimum\s+100 %")
    return tuple(re.compile(p) for p in phrases)


@pytest.mark.parametrize("user", USERS)
def test_each_demo_user_reads_a_believable_demo(live_demo, user):
    from django.contrib.auth import get_user_model

    from ingest.kinds import loadable_kinds

    loads = bool(loadable_kinds(get_user_model().objects.get(username=user)))
    with chromium() as driver:
        walk = walk_as(driver, live_demo, Walk(user, loads, exactly_one()))
    expected = EXPECTED | (PORTFOLIO_PAGES if user in SEES_PORTFOLIO else set())
    expected |= {"data-in"} if loads else set()
    if missing := expected - set(walk.visited):
        walk.problems.append(f"{user} reached {sorted(walk.visited)}, not {sorted(missing)}")
    if ("Data in" in walk.menu) != loads:
        walk.problems.append(f"{user}'s menu {walk.menu}, who may load data: {loads}")
    if reverse("scores:site", args=[HOME_SITE]) not in walk.visited.get("site", []):
        walk.problems.append(f"{user} never reached Site A's page")
    if user == "tech" and not walk.live_alerts:
        walk.problems.append("the technician's Alerts page lists no alert that is not closed")
    assert walk.problems == []
