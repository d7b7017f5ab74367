"""Benchmark: server time and HTML size of the four dashboard pages on the large demo.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages \
        python bench/pages.py [--requests 200] [--seed-if-missing] [--profile PAGE]

Uses the database named by DATABASE_URL, which must hold the large demo (seed 7, end date
2026-11-01) and its score snapshots as of 2026-11-01 and the 8 quarter ends before it.
It reads only, except for the signed-in session it creates and deletes. Steps:

1. Checks the demo is there (its portfolios, sites, assets, the demo users, daily roll-ups
   covering the demo's year of readings, a snapshot per site for each of the 9 days). When
   something is missing it stops and names the commands that load it; with
   ``--seed-if-missing`` it runs them itself (when the demo is missing: deletes every
   scale's demo, then ``seed_demo --scale large --seed 7 --end-date 2026-11-01
   --replace``, 3–7 minutes here; always ``recompute --as-of 2026-11-01
   --backfill-quarters 8``, 1–2 minutes), then ``VACUUM ANALYZE``.
2. Picks one URL per page:
   - portfolio: the demo's main portfolio (the one user "director" directs);
   - site: the site with the most assets (ties: the most active sensors, then the first
     code);
   - asset: the Tier 1 asset with the most active sensors (ties: the most work orders,
     failures and alerts, i.e. the heaviest page), with ``?window=365d``: the large demo
     has 365 days of readings (``SCALES["large"].reading_days``), so a year is the longest
     window its data supports;
   - oem: the OEM relationship with the most scorecards plus penalties.
3. Signs in as the executive demo user "vp" (sees every portfolio) with Django's test
   Client, in this process: server time, no network, no browser. For each page: one
   request that must answer 200 with the real page (not a placeholder, plotly.js not
   inlined, no CDN), 5 warm-up requests, the SQL queries of one request
   (``CaptureQueriesContext``), the database time and the template rendering time of a
   request (medians of 5), then ``--requests`` timed requests (``time.perf_counter``
   around ``client.get``; ``time.process_time`` too: this process's CPU time, which
   waiting for PostgreSQL or for a core another process holds does not count).
4. Prints a table (median, p95, max, CPU p95, HTML bytes, plots, queries, SQL ms,
   template ms) against the targets: portfolio and site p95 < 100 ms, asset (a year of
   data) p95 < 150 ms, HTML < 150,000 bytes (the OEM page has no time target).
   plotly.js is a separate static file (/static/vendor/plotly.min.js, cached by the
   browser), so the HTML bytes exclude it by construction; the check in step 3 makes sure.
   With ``--daily-snapshots DAYS``, measures with the snapshot history the nightly
   recompute leaves (one snapshot per site per day): each site's last snapshot copied to
   the DAYS days before 2026-11-01, in a transaction rolled back at the end.
5. With ``--profile PAGE`` (or ``all``), prints that page's slowest queries, then profiles
   ``--profile-requests`` more requests with cProfile and prints the hotspots
   (bench/hotspots.py).

Prints one line per figure, then one JSON object as the last line, with at least the keys
portfolio_p95_ms, site_p95_ms, asset_p95_ms, oem_p95_ms and max_html_bytes (null for a page
that is not ready; the exit status is then 1).
"""

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402
from hotspots import hotspots  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.template.backends.django import Template as DjangoTemplate  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.dates import quarter_ends  # noqa: E402
from demo.generator import generate  # noqa: E402
from demo.loader import delete_demo, demo_portfolio_codes  # noqa: E402
from demo.scales import SCALES  # noqa: E402
from oem.models import OEMRelationship, PenaltyRecord, ScorecardResult  # noqa: E402
from portfolio.models import Membership, Role, Site  # noqa: E402
from reliability.models import Alert, Asset, FailureEvent, ReadingDaily, Sensor, WorkOrder  # noqa: E402
from scores.models import SiteScoreSnapshot  # noqa: E402

SCALE = SCALES["large"]
SEED = 7
END = dt.date(2026, 11, 1)  # the demo's end date: readings stop just before
BACKFILL_QUARTERS = 8
SNAPSHOT_DAYS = [*quarter_ends(END, BACKFILL_QUARTERS), END]
VIEWER = "vp"  # the executive demo user: sees every portfolio
DIRECTOR = "director"
ASSET_WINDOW = f"{SCALE.reading_days}d"
WARMUP = 5
QUERY_SAMPLES = 5
QUERIES_SHOWN = 5  # slowest queries printed when profiling
QUERY_CHARS = 300
PAGES = ("portfolio", "site", "asset", "oem")
TARGET_P95_MS = {"portfolio": 100.0, "site": 100.0, "asset": 150.0, "oem": None}
TARGET_HTML_BYTES = 150_000
PLACEHOLDER = b"todo"
# Text of the plotly.js bundle's banner and of its code: an inlined bundle carries them.
INLINE_PLOTLY_MARKS = (b"Copyright 2012-", b"plotly.js v", b"Plotly, Inc.")
CDN_MARKS = (b"cdn.plot.ly", b"cdn.jsdelivr", b"unpkg.com")
SEED_COMMAND = (
    f"manage.py seed_demo --scale {SCALE.name} --seed {SEED} --end-date {END.isoformat()} --replace"
)
RECOMPUTE_COMMAND = (
    f"manage.py recompute --as-of {END.isoformat()} --backfill-quarters {BACKFILL_QUARTERS}"
)


@dataclass
class Page:
    name: str
    url: str
    what: str
    ready: bool = False
    problem: str = ""
    html_bytes: int = 0
    plots: int = 0
    queries: int = 0
    sql_ms: float = 0.0
    template_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def figures(self) -> dict:
        if not self.ready:
            return {"ready": False, "problem": self.problem, "url": self.url}
        times = np.array(self.times_ms)
        return {
            "ready": True,
            "url": self.url,
            "requests": len(times),
            "median_ms": _ms(np.median(times)),
            "p95_ms": _ms(np.percentile(times, 95)),
            "max_ms": _ms(times.max()),
            "min_ms": _ms(times.min()),
            "cpu_median_ms": _ms(np.median(self.cpu_ms)),
            "cpu_p95_ms": _ms(np.percentile(self.cpu_ms, 95)),
            "html_bytes": self.html_bytes,
            "plots": self.plots,
            "queries": self.queries,
            "sql_ms": _ms(self.sql_ms),
            "template_ms": _ms(self.template_ms),
        }


def main() -> None:
    args = _parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the benchmark's own database (it holds the large demo).")
    call_command("migrate", "--noinput", verbosity=0)
    result: dict = {"scale": SCALE.name, "debug": settings.DEBUG}

    missing = _demo_missing()
    if missing and not args.seed_if_missing:
        commands = (
            [SEED_COMMAND, RECOMPUTE_COMMAND] if _needs_seed(missing) else [RECOMPUTE_COMMAND]
        )
        sys.exit(
            f"The {SCALE.name} demo is not ready in this database: {'; '.join(missing)}.\n"
            "Run this script with --seed-if-missing to load it, or run:\n"
            + "\n".join(f"  python {command}" for command in commands)
        )
    if missing:
        _line("demo", f"not ready ({'; '.join(missing)}); loading it, this takes minutes")
        result["setup_s"] = _load_demo(missing)
        still = _demo_missing()
        if still:
            sys.exit(f"The demo is still not ready after loading it: {'; '.join(still)}")
    else:
        _line(
            "demo", f"{SCALE.name} (seed {SEED}, end {END}) with {len(SNAPSHOT_DAYS)} snapshot days"
        )

    pages = _pick_pages()
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=VIEWER))
    try:
        with _daily_snapshots(args.daily_snapshots, result):
            for page in pages:
                _line(f"{page.name}", f"{page.url}  ({page.what})")
            for page in pages:
                _measure(client, page, args.requests)
                _line(f"{page.name} measured", _summary(page))
            _table(pages)
            profile = PAGES if args.profile == "all" else [args.profile] if args.profile else []
            for page in pages:
                if page.name in profile and page.ready:
                    _profile(client, page, args.profile_requests, args.top)
    finally:
        client.logout()  # deletes the session row force_login created

    figures = {page.name: page.figures() for page in pages}
    ready = all(page.ready for page in pages)
    html = [page.html_bytes for page in pages if page.ready]
    result.update(
        pages=figures,
        targets={
            **{f"{name}_p95_ms": ms for name, ms in TARGET_P95_MS.items() if ms},
            "html_bytes": TARGET_HTML_BYTES,
        },
        targets_met=ready and _targets_met(pages),
    )
    for page in pages:
        result[f"{page.name}_p95_ms"] = figures[page.name].get("p95_ms")
    result["max_html_bytes"] = max(html) if ready else None
    print(json.dumps(result, sort_keys=False, default=str))
    if not ready:
        sys.exit(1)


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=200, help="Timed requests per page (default 200)."
    )
    parser.add_argument(
        "--seed-if-missing",
        action="store_true",
        help="Load the large demo and its snapshots when they are missing (5–9 minutes).",
    )
    parser.add_argument(
        "--daily-snapshots",
        type=int,
        default=0,
        metavar="DAYS",
        help="Measure with DAYS more snapshots per site, one a day before the demo's end (as "
        "the nightly recompute leaves them; copies of each site's last snapshot), added in a "
        "transaction that is rolled back at the end.",
    )
    parser.add_argument(
        "--profile",
        choices=[*PAGES, "all"],
        help="Profile this page (or all) with cProfile after the timed runs.",
    )
    parser.add_argument(
        "--profile-requests", type=int, default=20, help="Requests to profile (default 20)."
    )
    parser.add_argument("--top", type=int, default=20, help="Hotspots to print when profiling.")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests takes a number ≥ 1")
    if args.daily_snapshots < 0:
        parser.error("--daily-snapshots takes a number ≥ 0")
    return args


# --- Step 1: the demo ---------------------------------------------------------------------


def _demo_missing() -> list[str]:
    """What the benchmark needs that the database lacks (empty when ready). Cheap checks
    only (counts and extents), so a re-run starts in a second."""
    missing = []
    assets_wanted = SCALE.sites * SCALE.assets_per_site
    sites = Site.objects.count()
    assets = Asset.objects.count()
    director = Membership.objects.filter(
        user__username=DIRECTOR, role=Role.DIRECTOR, portfolio__isnull=False
    ).exists()
    viewer = get_user_model().objects.filter(username=VIEWER).exists()
    if sites != SCALE.sites or assets != assets_wanted or not director or not viewer:
        missing.append(
            f"{sites} sites and {assets:,} assets (the {SCALE.name} demo has {SCALE.sites} "
            f"and {assets_wanted:,}), demo users "
            f"{'present' if director and viewer else 'missing'}"
        )
        return missing + ["score snapshots"]
    sensor = Sensor.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:1]
    span = ReadingDaily.objects.filter(sensor_id__in=list(sensor)).aggregate(
        first=Min("bucket"), last=Max("bucket")
    )
    days = (span["last"] - span["first"]).days + 1 if span["first"] else 0
    if days < SCALE.reading_days:
        missing.append(f"daily roll-ups cover {days} days, not {SCALE.reading_days}")
    counts = dict(
        SiteScoreSnapshot.objects.filter(as_of__in=SNAPSHOT_DAYS)
        .values_list("as_of")
        .annotate(n=Count("pk"))
        .values_list("as_of", "n")
    )
    short = [day for day in SNAPSHOT_DAYS if counts.get(day, 0) < sites]
    if short:
        missing.append("score snapshots as of " + ", ".join(day.isoformat() for day in short))
    return missing


def _needs_seed(missing: list[str]) -> bool:
    """Whether the demo itself is missing, not only its snapshots."""
    return any(not reason.startswith("score snapshots") for reason in missing)


def _load_demo(missing: list[str]) -> dict:
    """Runs the commands the brief names: the demo (when its structure or roll-ups are
    missing), the snapshots, then VACUUM ANALYZE (the load leaves the tables unanalysed)."""
    seconds = {}
    if _needs_seed(missing):
        t0 = time.perf_counter()
        # seed_demo --replace deletes only this scale's portfolios; another scale's
        # acquisition target would stay behind (and change the site count), so clear
        # every scale's demo first, as bench/recompute.py does.
        delete_demo(_all_demo_portfolio_codes())
        _line("seed_demo", SEED_COMMAND)
        call_command(
            "seed_demo",
            *("--scale", SCALE.name, "--seed", str(SEED), "--end-date", END.isoformat()),
            "--replace",
            "--json",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        seconds["seed_demo_s"] = _round(time.perf_counter() - t0)
        _line("seed_demo", f"{seconds['seed_demo_s']} s")
    t0 = time.perf_counter()
    _line("recompute", RECOMPUTE_COMMAND)
    call_command(
        "recompute",
        *("--as-of", END.isoformat(), "--backfill-quarters", str(BACKFILL_QUARTERS)),
        stdout=io.StringIO(),
    )
    seconds["recompute_s"] = _round(time.perf_counter() - t0)
    _line("recompute", f"{seconds['recompute_s']} s")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze_s"] = _round(time.perf_counter() - t0)
    _line("VACUUM ANALYZE", f"{seconds['vacuum_analyze_s']} s")
    return seconds


def _all_demo_portfolio_codes() -> set[str]:
    end = dt.datetime.combine(END, dt.time(0), tzinfo=dt.UTC)
    codes = set()
    for scale in SCALES.values():
        codes.update(demo_portfolio_codes(generate(scale, seed=SEED, end=end)))
    return codes


@contextlib.contextmanager
def _daily_snapshots(days: int, result: dict):
    """With ``days``, the snapshot history a year (or ``days``) of nightly recomputes
    leaves: each site's last snapshot copied to each of the ``days`` days before END that
    has none, inside a transaction rolled back on exit (the test Client runs the views on
    this connection, so they see the copies)."""
    if not days:
        yield
        return
    columns = [
        f.column for f in SiteScoreSnapshot._meta.concrete_fields if f.column not in ("id", "as_of")
    ]
    table = SiteScoreSnapshot._meta.db_table
    with transaction.atomic():
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (as_of, {', '.join(columns)}) "
                f"SELECT day::date, {', '.join('s.' + c for c in columns)} FROM {table} s "
                "CROSS JOIN generate_series(%s::date, %s::date, '1 day') day "
                "WHERE s.as_of = %s ON CONFLICT DO NOTHING",
                [END - dt.timedelta(days=days), END - dt.timedelta(days=1), END],
            )
            added = cursor.rowcount
            cursor.execute(f"ANALYZE {table}")
        result["daily_snapshots_added"] = added
        _line(
            "daily snapshots",
            f"added {added:,} ({days} days before {END}; {SiteScoreSnapshot.objects.count():,} "
            f"in all) in {time.perf_counter() - t0:.1f} s; rolled back at the end",
        )
        yield
        transaction.set_rollback(True)
    with connection.cursor() as cursor:  # the statistics ANALYZE left describe the copies
        cursor.execute(f"ANALYZE {table}")


# --- Step 2: the pages --------------------------------------------------------------------


def _pick_pages() -> list[Page]:
    portfolio = (
        Membership.objects.filter(user__username=DIRECTOR, role=Role.DIRECTOR)
        .select_related("portfolio")
        .order_by("pk")
        .first()
        .portfolio
    )
    site = _biggest_site()
    asset = _heaviest_tier1_asset()
    relationship = _busiest_relationship()
    return [
        Page(
            "portfolio",
            reverse("scores:portfolio", args=[portfolio.code]),
            f"{portfolio.name}, {portfolio.sites.count()} sites",
        ),
        Page(
            "site",
            reverse("scores:site", args=[site["code"]]),
            f"{site['code']}, {site['assets']} assets, {site['sensors']} active sensors",
        ),
        Page(
            "asset",
            reverse("asset", args=[asset["pk"]]) + f"?window={ASSET_WINDOW}",
            f"{asset['code']} at {asset['site']}, tier 1, {asset['sensors']} sensors, "
            f"{asset['work_orders']} work orders, {asset['failures']} failures, "
            f"{asset['alerts']} alerts, daily roll-ups {asset['span']}",
        ),
        Page(
            "oem",
            reverse("scores:relationship", args=[relationship["pk"]]),
            f"{relationship['name']}, {relationship['scorecards']} scorecards, "
            f"{relationship['penalties']} penalties",
        ),
    ]


def _counts(model, key: str, **filters) -> dict[int, int]:
    return dict(
        model.objects.filter(**filters)
        .values_list(key)
        .annotate(n=Count("pk"))
        .values_list(key, "n")
    )


def _biggest_site() -> dict:
    """The site with the most assets; every large-demo site has 400, so ties go to the one
    with the most active sensors, then the first code."""
    assets = _counts(Asset, "site_id")
    sensors = _counts(Sensor, "asset__site_id", is_active=True)
    codes = dict(Site.objects.values_list("pk", "code"))
    pk = min(assets, key=lambda s: (-assets[s], -sensors.get(s, 0), codes[s]))
    return {"code": codes[pk], "assets": assets[pk], "sensors": sensors.get(pk, 0)}


def _heaviest_tier1_asset() -> dict:
    """The Tier 1 asset whose page has the most to show: most active sensors (each a
    series on the year-long chart), then most work orders, failures and alerts."""
    tier1 = {"asset__tier": 1, "asset__is_active": True}
    sensors = _counts(Sensor, "asset_id", is_active=True, **tier1)
    work_orders = _counts(WorkOrder, "asset_id", **tier1)
    failures = _counts(FailureEvent, "asset_id", **tier1)
    alerts = _counts(Alert, "asset_id", **tier1)
    pk = max(
        sensors,
        key=lambda a: (
            sensors[a],
            work_orders.get(a, 0) + failures.get(a, 0) + alerts.get(a, 0),
            -a,
        ),
    )
    asset = Asset.objects.select_related("site").get(pk=pk)
    span = ReadingDaily.objects.filter(
        sensor_id__in=list(asset.sensors.filter(is_active=True).values_list("pk", flat=True))
    ).aggregate(first=Min("bucket"), last=Max("bucket"))
    days = (span["last"] - span["first"]).days + 1
    return {
        "pk": pk,
        "code": asset.code,
        "site": asset.site.code,
        "sensors": sensors[pk],
        "work_orders": work_orders.get(pk, 0),
        "failures": failures.get(pk, 0),
        "alerts": alerts.get(pk, 0),
        "span": f"{span['first']:%Y-%m-%d} to {span['last']:%Y-%m-%d} ({days} days)",
    }


def _busiest_relationship() -> dict:
    scorecards = _counts(ScorecardResult, "relationship_id")
    penalties = _counts(PenaltyRecord, "relationship_id")
    pk = max(
        set(scorecards) | set(penalties),
        key=lambda r: (scorecards.get(r, 0) + penalties.get(r, 0), -r),
    )
    relationship = OEMRelationship.objects.select_related("customer", "site").get(pk=pk)
    return {
        "pk": pk,
        "name": f"{relationship.customer.name} at {relationship.site.code}",
        "scorecards": scorecards.get(pk, 0),
        "penalties": penalties.get(pk, 0),
    }


# --- Step 3: measuring --------------------------------------------------------------------


def _measure(client: Client, page: Page, requests: int) -> None:
    response = client.get(page.url)
    page.problem = _not_the_real_page(response)
    if page.problem:
        return
    page.html_bytes = len(response.content)
    page.plots = response.content.count(b'class="plot"')
    for _ in range(WARMUP):
        client.get(page.url)
    sql_ms, template_ms = [], []
    for sample in range(QUERY_SAMPLES):
        timer = _QueryTimer()
        with (
            CaptureQueriesContext(connection) as captured,
            connection.execute_wrapper(timer),
            _TemplateTimer() as rendering,
        ):
            client.get(page.url)
        if sample == 0:
            page.queries = len(captured.captured_queries)
        sql_ms.append(timer.total_ms())
        template_ms.append(rendering.ms)
    page.sql_ms = statistics.median(sql_ms)
    page.template_ms = statistics.median(template_ms)
    times, cpu = [], []
    for _ in range(requests):
        c0 = time.process_time()
        t0 = time.perf_counter()
        response = client.get(page.url)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if response.status_code != 200:
            page.problem = f"status {response.status_code} during the timed requests"
            return
    page.times_ms, page.cpu_ms = times, cpu
    page.ready = True


def _not_the_real_page(response) -> str:
    """Why this response is not the page to measure ("" when it is)."""
    if response.status_code != 200:
        location = response.headers.get("Location", "")
        return f"status {response.status_code}" + (f" to {location}" if location else "")
    content = response.content
    if content.strip() == PLACEHOLDER:
        return 'still the placeholder ("todo")'
    if b"<html" not in content[:2000].lower():
        return f"not an HTML page ({len(content)} bytes: {content[:60]!r})"
    if any(mark in content for mark in INLINE_PLOTLY_MARKS):
        return "plotly.js is inlined in the page (it must be the static file)"
    if any(mark in content for mark in CDN_MARKS):
        return "the page loads a script from a CDN (plotly.js must be our static file)"
    if b'class="plot"' in content and not re.search(rb"<script[^>]+src=\"[^\"]*plotly", content):
        return "the page has plots but no <script src> for plotly.js"
    return ""


# --- Step 4: the report -------------------------------------------------------------------


def _summary(page: Page) -> str:
    if not page.ready:
        return f"NOT READY: {page.problem}"
    f = page.figures()
    return (
        f"median {f['median_ms']} ms, p95 {f['p95_ms']} ms, max {f['max_ms']} ms "
        f"(this process's CPU: median {f['cpu_median_ms']}, p95 {f['cpu_p95_ms']} ms), "
        f"{f['html_bytes']:,} bytes, {f['queries']} queries ({f['sql_ms']} ms SQL), "
        f"template {f['template_ms']} ms"
    )


def _table(pages: list[Page]) -> None:
    print(
        f"\n{'page':<10} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'target':>8} "
        f"{'CPU p95':>8} {'HTML bytes':>11} {'plots':>6} {'queries':>8} {'SQL ms':>7} "
        f"{'tmpl ms':>8}  met"
    )
    for page in pages:
        target = TARGET_P95_MS[page.name]
        if not page.ready:
            print(f"{page.name:<10} not ready: {page.problem}")
            continue
        f = page.figures()
        met = (target is None or f["p95_ms"] < target) and f["html_bytes"] < TARGET_HTML_BYTES
        print(
            f"{page.name:<10} {f['median_ms']:>10} {f['p95_ms']:>8} {f['max_ms']:>8} "
            f"{('< ' + str(int(target))) if target else '—':>8} {f['cpu_p95_ms']:>8} "
            f"{f['html_bytes']:>11,} "
            f"{f['plots']:>6} {f['queries']:>8} {f['sql_ms']:>7} {f['template_ms']:>8}  "
            f"{'yes' if met else 'NO'}"
        )
    requests = max((len(page.times_ms) for page in pages), default=0)
    print(
        f"{requests} timed requests per page after {WARMUP} warm-up, signed in as {VIEWER!r}, "
        f"DEBUG={settings.DEBUG}; HTML target < {TARGET_HTML_BYTES:,} bytes.\n"
        "CPU p95: this process's CPU time per request (time.process_time), which does not\n"
        "count waiting for PostgreSQL or for a core another process holds.\n"
        f"SQL ms, tmpl ms: database time and template rendering time of one request (medians\n"
        f"of {QUERY_SAMPLES}); the rest is the view's Python, the middleware and the client.\n",
        flush=True,
    )


def _targets_met(pages: list[Page]) -> bool:
    for page in pages:
        f = page.figures()
        target = TARGET_P95_MS[page.name]
        if (target is not None and f["p95_ms"] >= target) or f["html_bytes"] >= TARGET_HTML_BYTES:
            return False
    return True


# --- Step 5: profile ----------------------------------------------------------------------


def _profile(client: Client, page: Page, requests: int, top: int) -> None:
    """cProfile ``requests`` requests of the page; the queries of one request, slowest
    first, so the database's share is visible beside the Python call path."""
    timer = _QueryTimer()
    with connection.execute_wrapper(timer):
        client.get(page.url)
    print(
        f"\n{page.name}: {len(timer.queries)} queries, {timer.total_ms():.1f} ms in all; "
        "the slowest:"
    )
    for ms, sql in sorted(timer.queries, reverse=True)[:QUERIES_SHOWN]:
        print(f"  {ms:7.1f} ms  {sql[:QUERY_CHARS]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(page.url)
    profiler.disable()
    hotspots(
        profiler, top, f"{requests} requests of the {page.name} page", exclude="bench/pages.py"
    )


# --- Helpers ------------------------------------------------------------------------------


class _TemplateTimer:
    """Times the page's template rendering: the Django backend's ``Template.render``,
    which ``render()`` calls once per page (includes render inside it). The queries a
    template triggers (lazy querysets) count here as well as in SQL ms."""

    def __enter__(self):
        self.ms = 0.0
        self._original = DjangoTemplate.render
        timer = self

        def render(template, context=None, request=None):
            t0 = time.perf_counter()
            try:
                return timer._original(template, context, request)
            finally:
                timer.ms += (time.perf_counter() - t0) * 1000

        DjangoTemplate.render = render
        return self

    def __exit__(self, *exc):
        DjangoTemplate.render = self._original


class _QueryTimer:
    """A ``connection.execute_wrapper`` timing each query with ``perf_counter`` (the
    ``time`` Django records is rounded to the millisecond, too coarse for 1 ms queries)."""

    def __init__(self):
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - t0) * 1000, sql))

    def total_ms(self) -> float:
        return sum(ms for ms, _ in self.queries)


def _line(label: str, value) -> None:
    print(f"{label:>24}: {value}", flush=True)


def _ms(value) -> float:
    return round(float(value), 1)


def _round(seconds: float) -> float:
    return round(seconds, 2)


if __name__ == "__main__":
    main()
