"""A deterministic, realistic demo portfolio, built as plain data (no Django).

Sites differ in maturity on purpose. A site's maturity ``m`` (0–1) drives:
- monitoring coverage (share of assets with sensors) and sensor freshness,
- changeover discipline (PM work completed inside its planned window),
- failure rates (Weibull lifetimes with a scale that grows with maturity),
- how many developing faults are caught from readings and repaired in a window,
- alert response time, documentation of failure modes, scorecard trends.

Penalties that name a failure event are drawn only for failures of Tier 1 assets on
JIT-linked lines, the stops that reach the OEM's line. Readings are not held in memory:
``iter_readings`` generates them per sensor from each sensor's plan, with a slow rise of
vibration, temperature and current before the failures the generator planted.

Everything is a function of (scale, seed, end date): the same inputs give the same data.
"""

import datetime as dt
import hashlib
import json
import math
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from core.dates import SDP_HORIZON_QUARTERS
from reliability.condition import CLASS_THRESHOLDS

from .scales import Scale

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
TIER1_PER_JIT_LINE = 4
SHIFTS = ("A", "B", "C")  # 06–14, 14–22, 22–06 local
SHIFT_PLANNED_MINUTES = 450  # 8 h less a 30 min break

# ISO 20816-3 zone boundaries (A/B, B/C, C/D) in mm/s by (machine group, foundation).
ZONE_BOUNDARIES = {
    (1, "rigid"): (2.3, 4.5, 7.1),
    (1, "flexible"): (3.5, 7.1, 11.0),
    (2, "rigid"): (1.4, 2.8, 4.5),
    (2, "flexible"): (2.3, 4.5, 7.1),
}

# class: (share of assets, typical replacement value, typical parts cost, rated current A
#         (0: no drive of its own; the sensors' levels follow CLASS_THRESHOLDS, not this),
#         failure modes a sensor sees coming, failure modes that come without warning)
ASSET_CLASSES = {
    "motor": (
        0.22,
        60_000,
        2_400,
        90,
        ["bearing-wear", "misalignment", "motor-winding-overheat", "insulation-failure"],
        ["power-loss", "short-circuit"],
    ),
    "press": (
        0.10,
        900_000,
        9_000,
        180,
        ["bearing-wear", "lubrication-breakdown"],
        ["hydraulic-leak", "die-breakage", "control-fault"],
    ),
    "pump": (
        0.12,
        25_000,
        1_800,
        40,
        ["cavitation", "bearing-wear", "imbalance"],
        ["seal-leak", "contamination"],
    ),
    "fan": (0.08, 18_000, 900, 30, ["imbalance", "bearing-wear", "belt-wear"], ["power-loss"]),
    "gearbox": (
        0.10,
        70_000,
        6_000,
        0,
        ["gear-tooth-wear", "bearing-fatigue", "lubrication-breakdown"],
        ["seal-leak"],
    ),
    "conveyor": (
        0.14,
        40_000,
        700,
        25,
        ["belt-wear", "bearing-wear", "misalignment"],
        ["sensor-fault", "operator-error"],
    ),
    "robot": (
        0.12,
        120_000,
        4_000,
        20,
        ["gear-tooth-wear", "motor-winding-overheat"],
        ["software-fault", "sensor-fault", "control-fault"],
    ),
    "compressor": (
        0.07,
        85_000,
        3_500,
        120,
        ["bearing-wear", "looseness", "lubrication-breakdown"],
        ["seal-leak", "power-loss"],
    ),
    "spindle": (0.05, 95_000, 5_000, 35, ["bearing-fatigue", "imbalance"], ["control-fault"]),
}

CITIES = [
    ("Lansing", "America/Detroit"),
    ("Toledo", "America/New_York"),
    ("Saltillo", "America/Monterrey"),
    ("Louisville", "America/Kentucky/Louisville"),
    ("Windsor", "America/Toronto"),
    ("Spartanburg", "America/New_York"),
    ("Chattanooga", "America/New_York"),
    ("Silao", "America/Mexico_City"),
    ("Regensburg", "Europe/Berlin"),
    ("Joliet", "America/Chicago"),
    ("Fort Wayne", "America/Indiana/Indianapolis"),
    ("Ramos Arizpe", "America/Monterrey"),
    ("Cambridge", "America/Toronto"),
    ("Smyrna", "America/Chicago"),
    ("Zwickau", "Europe/Berlin"),
]
CUSTOMERS = [
    ("northway", "Northway Motors"),
    ("calder", "Calder Automotive"),
    ("meridian", "Meridian Trucks"),
    ("solano", "Solano EV"),
    ("ardent", "Ardent Mobility"),
]
EVIDENCE = {
    "bearing-wear": "Outer-race defect frequency in the spectrum; race spalled at teardown.",
    "bearing-fatigue": "Fatigue spall on the inner race; metal flakes in the grease.",
    "misalignment": "2× running-speed peak, laser check found 0.4 mm offset at the coupling.",
    "imbalance": "1× radial peak; missing balance weight found on the rotor.",
    "looseness": "Harmonics of running speed; two base bolts found loose.",
    "gear-tooth-wear": "Gear-mesh sidebands; pitting on three teeth at inspection.",
    "lubrication-breakdown": "Rising temperature; oil sample dark with high iron count.",
    "motor-winding-overheat": "Winding temperature rising, current imbalance; varnish discoloured.",
    "cavitation": "Broadband noise at the pump; impeller eye pitted.",
    "belt-wear": "Belt glazing and cracking; tension 30 % below specification.",
    "insulation-failure": "Megger reading 40 MΩ, down from 2 GΩ at commissioning.",
}
PLANTED = "northway"  # the OEM relationship planted sliding towards SDP review
PLANNED_LABOUR_RATE = 85.0  # $/h
EMERGENCY_FACTOR = 3.0  # SPEC §4 default: emergency work costs 3× the same work planned


def money(value: float) -> Decimal:
    """A float rounded to cents, as Decimal."""
    return Decimal(f"{value:.2f}")


@dataclass
class Episode:
    """A developing fault seen by an asset's sensors from ``onset`` until ``end``."""

    onset: dt.datetime
    end: dt.datetime
    peak_fraction: float  # how far towards the failure level it got (1 = failed)


@dataclass
class SensorPlan:
    """What one sensor reports: its baseline, its noise, its faults, when it went silent."""

    site: str
    asset: str
    code: str
    metric: str
    baseline: float
    noise: float
    failure_level: float
    seed: int
    stale_after: dt.datetime | None
    episodes: list[Episode] = field(default_factory=list)


@dataclass
class DemoDataset:
    """Every row of the demo portfolio, keyed by natural keys (codes), not database ids."""

    scale: Scale
    seed: int
    end: dt.datetime
    portfolios: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    assets: list[dict] = field(default_factory=list)
    sensors: list[SensorPlan] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)
    work_orders: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    production: list[tuple] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)
    relationships: list[dict] = field(default_factory=list)
    scorecards: list[dict] = field(default_factory=list)
    penalties: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    prevented_failures: list[dict] = field(default_factory=list)
    certifications: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    capital_proposals: list[dict] = field(default_factory=list)
    technicians: dict[str, str] = field(default_factory=dict)  # site code -> username

    @property
    def readings_start(self) -> dt.datetime:
        return self.end - dt.timedelta(days=self.scale.reading_days)

    @property
    def history_start(self) -> dt.datetime:
        return self.end - dt.timedelta(days=self.scale.history_days)

    def reading_count(self) -> int:
        """Rows ``iter_readings`` yields, without generating them."""
        return sum(len(_reading_times(self, plan)) for plan in self.sensors)

    def summary(self) -> dict:
        """Row counts and key totals; its checksum identifies the dataset."""
        figures = {
            "portfolios": len(self.portfolios),
            "sites": len(self.sites),
            "lines": len(self.lines),
            "assets": len(self.assets),
            "tier1_assets": sum(a["tier"] == 1 for a in self.assets),
            "sensors": len(self.sensors),
            "readings": self.reading_count(),
            "changeover_windows": len(self.windows),
            "work_orders": len(self.work_orders),
            "failure_events": len(self.failures),
            "production_records": len(self.production),
            "oem_relationships": len(self.relationships),
            "scorecards": len(self.scorecards),
            "penalties": len(self.penalties),
            "alerts": len(self.alerts),
            "prevented_failures": len(self.prevented_failures),
            "penalty_total": str(sum((p["amount"] for p in self.penalties), Decimal(0))),
            "work_order_parts_total": str(
                sum((w["parts_cost"] for w in self.work_orders), Decimal(0))
            ),
            "downtime_minutes_total": sum(w["downtime_minutes"] for w in self.work_orders),
            "good_count_total": sum(row[-1] for row in self.production),
        }
        canonical = json.dumps(figures, sort_keys=True).encode()
        figures["checksum"] = hashlib.sha256(canonical).hexdigest()[:16]
        return figures


def generate(scale: Scale, *, seed: int, end: dt.datetime) -> DemoDataset:
    """Build the demo portfolio for ``scale`` ending at ``end`` (UTC, whole hour)."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    end = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    data = DemoDataset(scale=scale, seed=seed, end=end)
    root = np.random.SeedSequence(seed)
    site_seeds = root.spawn(scale.sites + 1)
    oem_rng = np.random.default_rng(site_seeds[-1])

    _add_portfolios(data)
    maturities = _site_maturities(scale.sites, np.random.default_rng(root.spawn(1)[0]))
    data.customers = [{"code": code, "name": name} for code, name in CUSTOMERS]
    for index in range(scale.sites):
        rng = np.random.default_rng(site_seeds[index])
        site = _add_site(data, index, maturities[index], rng)
        planted = index == scale.sites - scale.acquisition_sites - 1
        _add_relationships(data, site, oem_rng, planted=planted)
        _add_lines_and_assets(data, site, rng)
        recurring = _choose_recurring_asset(data, site) if index == 1 else None
        _add_windows_and_pm(data, site, rng)
        if recurring is not None:  # before the failures: its asset has no others
            _plant_recurring_failure(data, site, recurring, rng)
        _add_failures(data, site, rng)
        if index == 0:  # the demo technician's site
            _add_proactive_finds(data, site, rng)
            _add_live_faults(data, site, rng)
        _add_production(data, site, rng)
        _add_penalties(data, site, rng)
    _add_scorecards(data, oem_rng)
    _add_people(data)
    _add_capital_plan(data)
    return data


# --- structure --------------------------------------------------------------------------


DEMO_PORTFOLIO_CODES = ("great-lakes", "target-bluewater")  # the main one, the target


def _add_portfolios(data: DemoDataset) -> None:
    main, target = DEMO_PORTFOLIO_CODES
    data.portfolios.append(
        {"code": main, "name": "Great Lakes Components", "is_acquisition_target": False}
    )
    if data.scale.acquisition_sites:
        data.portfolios.append(
            {
                "code": target,
                "name": "Bluewater Precision (acquisition target)",
                "is_acquisition_target": True,
            }
        )


def _site_maturities(count: int, rng: np.random.Generator) -> list[float]:
    """From mature to immature, so site A leads and the last site lags, with jitter."""
    spread = np.linspace(0.88, 0.22, count) if count > 1 else np.array([0.6])
    return [float(np.clip(m + rng.normal(0, 0.03), 0.1, 0.95)) for m in spread]


def _add_site(data: DemoDataset, index: int, maturity: float, rng) -> dict:
    scale = data.scale
    city, timezone = CITIES[index % len(CITIES)]
    letter = chr(ord("A") + index)
    in_target = index >= scale.sites - scale.acquisition_sites
    revenue = float(rng.uniform(260e6, 420e6))
    site = {
        "code": f"site-{letter.lower()}",
        "portfolio": data.portfolios[-1 if in_target else 0]["code"],
        "name": f"Site {letter} — {city}",
        "timezone": timezone,
        "annual_revenue": money(round(revenue, -5)),
        # Revenue spread over ~6,000 productive hours a year.
        "production_value_per_hour": money(round(revenue / 6000, -2)),
        # What finance reports for the whole plant (labour, contractors, spares): the demo
        # models 40 critical assets, a fraction of a plant, so their work orders are not
        # its spend. 2.5 % of revenue at a mature site to 4.2 % at an immature one (the
        # VP article: 4.2 % falling to 2.6 %).
        "annual_maintenance_spend": money(
            round(revenue * (0.047 - 0.025 * maturity) * rng.uniform(0.96, 1.04), -3)
        ),
        "maturity": maturity,
    }
    data.sites.append(site)
    # Site A's technician is the demo login "tech"; the others' are people of the data,
    # named on the alerts they acknowledged (they cannot sign in).
    data.technicians[site["code"]] = "tech" if index == 0 else f"tech-{letter.lower()}"
    return site


def _add_lines_and_assets(data: DemoDataset, site: dict, rng) -> None:
    m = site["maturity"]
    n_assets = data.scale.assets_per_site
    n_lines = max(3, round(n_assets / 10))
    classes = list(ASSET_CLASSES)
    shares = np.array([ASSET_CLASSES[c][0] for c in classes])
    shares = shares / shares.sum()
    stale_share = 0.35 * (1 - m)
    for li in range(n_lines):
        # Half the lines (the first ones) feed an OEM just in time, at every site alike:
        # sites then differ by how they maintain, not by a draw of their layout.
        jit = li < max(1, n_lines // 2)
        line = {
            "site": site["code"],
            "code": f"L{li + 1:02d}",
            "name": f"{'JIT ' if jit else ''}Line {li + 1}",
            "jit_linked": jit,
            "ideal_cycle_seconds": float(rng.uniform(28, 75)),
        }
        data.lines.append(line)
        per_line = n_assets // n_lines + (1 if li < n_assets % n_lines else 0)
        for ai in range(per_line):
            cls = classes[int(rng.choice(len(classes), p=shares))]
            bottleneck = ai == 0
            # Tier 1: every line's bottleneck, and the first four machines of a JIT line
            # (a stop there stops the customer): the same count at every site.
            tier = (
                1
                if bottleneck or (jit and ai < TIER1_PER_JIT_LINE)
                else (2 if rng.random() < 0.45 else 3)
            )
            group = 1 if cls in ("press", "compressor") else 2
            asset = {
                "site": site["code"],
                "line": line["code"],
                "code": f"{site['code'][-1].upper()}{li + 1:02d}-{ai + 1:03d}",
                "name": f"{cls.capitalize()} {li + 1}.{ai + 1}",
                "asset_class": cls,
                "tier": tier,
                "is_bottleneck": bottleneck,
                "machine_group": group,
                "foundation": "flexible" if rng.random() < 0.3 else "rigid",
                "replacement_value": money(
                    round(ASSET_CLASSES[cls][1] * rng.uniform(0.7, 1.5), -2)
                ),
                "installed_on": (
                    data.history_start - dt.timedelta(days=int(rng.integers(200, 5000)))
                ).date(),
                # Failure model: Weibull lifetime, longer at mature sites.
                "beta": float(rng.uniform(1.3, 2.4)),
                "eta_days": float(365 * rng.uniform(1.4, 2.6) * (0.45 + 1.1 * m)),
                "monitored": rng.random() < _monitored_share(tier, m),
                "jit": jit,
            }
            data.assets.append(asset)
            if asset["monitored"]:
                _add_sensors(data, site, asset, rng, stale=rng.random() < stale_share)


def _monitored_share(tier: int, m: float) -> float:
    return {1: 0.2 + 0.8 * m, 2: 0.15 + 0.5 * m, 3: 0.05 + 0.2 * m}[tier]


def _add_sensors(data: DemoDataset, site: dict, asset: dict, rng, *, stale: bool) -> None:
    """A vibration, a temperature and (with a motor of its own) a current sensor. Healthy
    levels sit under the product's default limits for the class
    (``reliability.condition.CLASS_THRESHOLDS``: full-load current, hot bearing), so
    alerts come from faults, not from a healthy fleet read against the wrong limits."""
    ab, _, cd = ZONE_BOUNDARIES[(asset["machine_group"], asset["foundation"])]
    limits = CLASS_THRESHOLDS[asset["asset_class"]]
    hot, too_hot = limits["temperature"]
    rated = limits["current"][0] if ASSET_CLASSES[asset["asset_class"]][3] else 0
    stale_after = data.end - dt.timedelta(hours=int(rng.integers(30, 24 * 20))) if stale else None
    specs = [
        (
            "vib",
            "vibration_velocity_rms",
            ab * rng.uniform(0.35, 0.7),
            0.08,
            cd * rng.uniform(1.05, 1.4),
        ),
        ("temp", "temperature", hot - rng.uniform(12, 25), 0.6, too_hot + rng.uniform(0, 10)),
        ("amp", "current", rated * rng.uniform(0.6, 0.85), 0.03, rated * rng.uniform(1.05, 1.2)),
    ]
    if rated == 0:  # no motor of its own (a gearbox): no current sensor
        specs.pop()
    for code, metric, baseline, noise, failure_level in specs:
        data.sensors.append(
            SensorPlan(
                site=site["code"],
                asset=asset["code"],
                code=code,
                metric=metric,
                baseline=float(baseline),
                noise=float(noise),
                failure_level=float(failure_level),
                seed=int(rng.integers(0, 2**31)),
                stale_after=stale_after,
            )
        )


# --- changeover windows and preventive maintenance --------------------------------------


def _local_to_utc(day: dt.date, hour: int, timezone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(timezone))
    return local.astimezone(UTC)


def _add_windows_and_pm(data: DemoDataset, site: dict, rng) -> None:
    """Weekly changeover windows per line, each scheduled with preventive work orders."""
    m = site["maturity"]
    complete_in_window = 0.35 + 0.62 * m
    lines = [ln for ln in data.lines if ln["site"] == site["code"]]
    assets_by_line = _at_site(data.assets, site, key=lambda a: a["line"])
    first_day = data.history_start.date()
    counter = _wo_counter(data, site)
    for line in lines:
        weekday = int(rng.choice([5, 6, 2]))  # Saturday mostly, some mid-week
        day = first_day + dt.timedelta(days=(weekday - first_day.weekday()) % 7)
        line_assets = [a for a in assets_by_line[line["code"]] if not a.get("planted")]
        while True:
            starts = _local_to_utc(day, 6, site["timezone"])
            available = int(rng.choice([240, 300, 360, 480]))
            ends = starts + dt.timedelta(minutes=available)
            if ends > data.end:
                break
            window = {
                "site": site["code"],
                "line": line["code"],
                "starts_at": starts,
                "ends_at": ends,
                "available_minutes": available,
                "maintenance_minutes_scheduled": 0,
                "maintenance_minutes_executed": 0,
            }
            data.windows.append(window)
            load = rng.uniform(0.8, 1.0) * available
            picks = rng.permutation(len(line_assets))[: int(rng.integers(3, 7))]
            durations = [max(20, int(d)) for d in rng.dirichlet(np.ones(len(picks))) * load]
            done = _done_in_window(durations, complete_in_window)
            offset = 0.0
            for pick, minutes, in_window in zip(picks, durations, done, strict=True):
                asset = line_assets[int(pick)]
                window["maintenance_minutes_scheduled"] += minutes
                started = starts + dt.timedelta(minutes=offset)
                if in_window:
                    completed = started + dt.timedelta(minutes=minutes)
                    window["maintenance_minutes_executed"] += minutes
                    offset += minutes
                else:
                    # Deferred: done on a later day, or still open when recent.
                    late = dt.timedelta(
                        days=int(rng.integers(2, 25)), hours=int(rng.integers(1, 9))
                    )
                    started = started + late
                    completed = started + dt.timedelta(minutes=minutes)
                    if completed > data.end:
                        started = completed = None
                _add_work_order(
                    data,
                    site,
                    asset,
                    counter,
                    kind="preventive",
                    description=f"PM: {asset['name']}",
                    opened=starts - dt.timedelta(days=3),
                    started=started,
                    completed=completed,
                    parts=ASSET_CLASSES[asset["asset_class"]][2] * rng.uniform(0.03, 0.12),
                    labour_hours=minutes / 60 * 2,
                    window=window,
                )
            day += dt.timedelta(days=7)


def _done_in_window(minutes: list[int], share: float) -> list[bool]:
    """Which of a window's planned jobs are done in it: in order, while the minutes done
    stay nearest ``share`` of the plan (the site's discipline). A coin per job instead
    made the last four windows' utilisation a lottery that could rank sites backwards."""
    target, total, done = share * sum(minutes), 0, []
    for job in minutes:
        fits = total + job / 2 <= target
        done.append(fits)
        total += job if fits else 0
    return done


def _at_site(rows: list, site: dict, *, key: Callable) -> dict[str, list]:
    """The site's rows (dicts or sensor plans), grouped by ``key``, in their order."""
    grouped: dict[str, list] = {}
    for row in rows:
        if (row["site"] if isinstance(row, dict) else row.site) == site["code"]:
            grouped.setdefault(key(row), []).append(row)
    return grouped


def _wo_counter(data: DemoDataset, site: dict):
    start = sum(1 for w in data.work_orders if w["site"] == site["code"])
    n = start
    while True:
        n += 1
        yield n


def _add_work_order(
    data: DemoDataset,
    site: dict,
    asset: dict,
    counter,
    *,
    kind: str,
    description: str,
    opened: dt.datetime,
    started: dt.datetime | None,
    completed: dt.datetime | None,
    parts: float = 0.0,
    labour_hours: float = 0.0,
    labour_factor: float = 1.0,
    downtime_minutes: int = 0,
    window: dict | None = None,
    failure_mode: str | None = None,
) -> str:
    """Append one work order of ``site``, numbered by ``counter``; returns its number.
    Labour costs the planned rate × ``labour_factor`` (1.5 for emergency work)."""
    wo_id = f"WO-{site['code'][-1].upper()}{next(counter):06d}"
    data.work_orders.append(
        {
            "site": site["code"],
            "asset": asset["code"],
            "external_id": wo_id,
            "kind": kind,
            "description": description,
            "opened_at": opened,
            "started_at": started,
            "completed_at": completed,
            "downtime_minutes": downtime_minutes,
            "parts_cost": money(parts),
            "labour_hours": money(labour_hours),
            "labour_cost": money(labour_hours * PLANNED_LABOUR_RATE * labour_factor),
            "window": (window["line"], window["starts_at"]) if window else None,
            "failure_mode": failure_mode,
        }
    )
    return wo_id


# --- failures, catches and their paperwork ----------------------------------------------


def _add_failures(data: DemoDataset, site: dict, rng) -> None:
    """Weibull renewal process per asset; monitored faults are often caught and repaired."""
    m = site["maturity"]
    windows_by_line = _at_site(data.windows, site, key=lambda w: w["line"])
    sensors_by_asset = _at_site(data.sensors, site, key=lambda plan: plan.asset)
    counter = _wo_counter(data, site)
    start, end = data.history_start, data.end
    horizon_days = (end - start).total_seconds() / 86400
    for asset in (a for a in data.assets if a["site"] == site["code"]):
        if asset.get("planted"):
            continue  # its failures are the planted story's
        beta, eta = asset["beta"], asset["eta_days"]
        age = rng.uniform(0, eta)
        # Residual life given the asset's age at the start of the history (Weibull).
        t = eta * ((age / eta) ** beta - math.log(rng.random())) ** (1 / beta) - age
        while t < horizon_days:
            when = start + dt.timedelta(days=float(t))
            when = when.replace(minute=int(rng.integers(0, 60)), second=0, microsecond=0)
            cls = ASSET_CLASSES[asset["asset_class"]]
            detectable = rng.random() < 0.7
            mode = str(rng.choice(cls[4] if detectable else cls[5]))
            lead_days = float(
                rng.uniform(12, 40)
                if mode not in ("motor-winding-overheat", "insulation-failure")
                else rng.uniform(4, 12)
            )
            sensors = sensors_by_asset.get(asset["code"], [])
            seen = detectable and sensors and (when - dt.timedelta(days=lead_days)) > start
            caught_window = None
            if seen and rng.random() < 0.25 + 0.7 * m:
                caught_window = _window_before(
                    windows_by_line.get(asset["line"], []),
                    after=when - dt.timedelta(days=lead_days * 0.45),
                    before=when,
                )
            if caught_window is not None:
                repaired_at = _add_catch(
                    data, site, asset, mode, when, lead_days, caught_window, sensors, counter, rng
                )
                t = (repaired_at - start).total_seconds() / 86400
            else:
                up = _add_failure(data, site, asset, mode, when, counter, rng)
                if seen:
                    for plan in sensors:
                        plan.episodes.append(
                            Episode(when - dt.timedelta(days=lead_days), when, 1.0)
                        )
                t = (up - start).total_seconds() / 86400
            t += eta * (-math.log(rng.random())) ** (1 / beta)


def _window_before(windows: list[dict], *, after: dt.datetime, before: dt.datetime):
    """The first changeover window that starts after ``after`` and ends before ``before``."""
    for w in windows:
        if w["starts_at"] >= after and w["ends_at"] <= before:
            return w
    return None


def _add_failure(data, site, asset, mode, when, counter, rng) -> dt.datetime:
    m = site["maturity"]
    emergency = rng.random() < 0.15 + 0.45 * (1 - m) + (0.15 if asset["tier"] == 1 else 0)
    repair_hours = float(rng.lognormal(math.log(5.0 if emergency else 3.0), 0.5))
    response = dt.timedelta(minutes=float(rng.uniform(10, 45) if m > 0.6 else rng.uniform(30, 180)))
    opened = when + dt.timedelta(minutes=float(rng.uniform(2, 15)))
    started = opened + response
    ended = started + dt.timedelta(hours=repair_hours)
    if ended > data.end:
        return ended  # still down at the end date: leave it out rather than half-record it
    downtime = int((ended - when).total_seconds() // 60)
    cls = ASSET_CLASSES[asset["asset_class"]]
    parts = cls[2] * rng.lognormal(0, 0.4) * (1.6 if emergency else 1.0)
    labour = repair_hours * (3 if emergency else 2)
    documented = asset["jit"] is False or rng.random() < 0.45 + 0.55 * m
    wo_id = _add_work_order(
        data,
        site,
        asset,
        counter,
        kind="emergency" if emergency else "corrective",
        description=f"Breakdown: {asset['name']} ({mode})",
        opened=opened,
        started=started,
        completed=ended,
        parts=parts,
        labour_hours=labour,
        labour_factor=1.5 if emergency else 1.0,
        downtime_minutes=downtime,
        failure_mode=mode if documented else None,
    )
    line = next(
        ln for ln in data.lines if ln["site"] == site["code"] and ln["code"] == asset["line"]
    )
    stops_line = asset["tier"] == 1 or asset["is_bottleneck"]
    data.failures.append(
        {
            "site": site["code"],
            "asset": asset["code"],
            "started_at": when,
            "ended_at": ended,
            "failure_mode": mode if documented else None,
            "production_lost_units": int(downtime * 60 / line["ideal_cycle_seconds"])
            if stops_line
            else 0,
            "work_order": wo_id,
            "description": f"Unplanned stop of {asset['name']}",
            "tier": asset["tier"],
            "jit": asset["jit"],
            "line": asset["line"],
        }
    )
    return ended


def _add_catch(data, site, asset, mode, would_fail, lead_days, window, sensors, counter, rng):
    """A fault seen in the readings, confirmed, and repaired inside a changeover window."""
    m = site["maturity"]
    onset = would_fail - dt.timedelta(days=lead_days)
    repair_minutes = int(rng.uniform(60, min(180, window["available_minutes"])))
    started = window["starts_at"]
    completed = started + dt.timedelta(minutes=repair_minutes)
    window["maintenance_minutes_scheduled"] += repair_minutes
    window["maintenance_minutes_executed"] += repair_minutes
    progress = (started - onset) / (would_fail - onset)
    for plan in sensors:
        plan.episodes.append(Episode(onset, completed, float(progress)))
    detected = onset + (started - onset) * float(rng.uniform(0.35, 0.7))
    response_h = float(rng.lognormal(math.log(1.2 if m > 0.6 else 7.0), 0.6))
    acknowledged = min(detected + dt.timedelta(hours=response_h), started)
    cls = ASSET_CLASSES[asset["asset_class"]]
    parts = cls[2] * rng.lognormal(0, 0.3) * 0.7
    labour = repair_minutes / 60 * 2
    wo_id = _add_work_order(
        data,
        site,
        asset,
        counter,
        kind="predictive",
        description=f"Planned repair from condition alert: {asset['name']} ({mode})",
        opened=acknowledged,
        started=started,
        completed=completed,
        parts=parts,
        labour_hours=labour,
        window=window,
        failure_mode=mode,
    )
    vib = next(p for p in sensors if p.metric == "vibration_velocity_rms")
    alert = {
        "site": site["code"],
        "asset": asset["code"],
        "sensor": vib.code,
        "metric": vib.metric,
        "rule": "zone",
        "status": "closed",
        "detected_at": detected,
        "first_zone": "C",
        "worst_zone": "C" if progress < 0.8 else "D",
        "rate_per_day": round((vib.failure_level - vib.baseline) / lead_days, 3),
        "estimated_hours_to_failure": round((would_fail - detected).total_seconds() / 3600, 1),
        "acknowledged_at": acknowledged,
        "acknowledged_by": data.technicians[site["code"]],
        "work_order": wo_id,
        "closed_at": completed,
        "resolution": "confirmed_fault",
    }
    data.alerts.append(alert)
    if site["code"] == data.sites[0]["code"]:
        data.prevented_failures.append(
            _prevented(data, site, asset, mode, window, wo_id, parts, labour, rng)
            | {
                "origin": "alert",
                "alert": (asset["code"], detected),
                "detected_at": detected,
                "confirmed_at": acknowledged,
            }
        )
    return completed


def _prevented(data, site, asset, mode, window, wo_id, parts, labour, rng) -> dict:
    """A technician's save, valued as the sources do: the line's production the stop
    would have cost (1–1.45 h of one line, at the site's value per hour shared by its
    lines) plus the emergency premium avoided, $15,000–$60,000 a save."""
    lines = sum(1 for ln in data.lines if ln["site"] == site["code"])
    line_value_per_hour = float(site["production_value_per_hour"]) / lines
    protected_hours = float(rng.uniform(1.0, 1.45))
    premium = (parts + labour * PLANNED_LABOUR_RATE) * (EMERGENCY_FACTOR - 1)
    return {
        "technician": data.technicians[site["code"]],
        "site": site["code"],
        "asset": asset["code"],
        "failure_mode": mode,
        "evidence": EVIDENCE.get(mode, "Confirmed at teardown."),
        "repair_work_order": wo_id,
        "window": (window["line"], window["starts_at"]),
        "parts_cost": money(parts),
        "labour_hours": money(labour),
        "protected_window_hours": money(protected_hours),
        "estimated_value": money(protected_hours * line_value_per_hour + premium),
    }


# Faults developing as the demo starts, at the technician's site: (hours since the alert,
# acknowledged by then). The older one is being worked (acknowledged, repair planned); the
# newer one waits, and has escalated (a Tier 1 alert unacknowledged for over 4 hours).
LIVE_FAULTS = ((40, True), (6, False))
LIVE_FAULT_DAYS = 12  # from the onset of a developing fault to the failure it heads for


def _add_live_faults(data: DemoDataset, site: dict, rng) -> None:
    """Two Tier 1 assets whose vibration entered zone C before the demo's end, with the
    alerts the product would have raised: a demo starts with work to do."""
    sensors_by_asset = _at_site(data.sensors, site, key=lambda plan: plan.asset)
    quiet_since = data.end - dt.timedelta(days=30)
    candidates = [
        a
        for a in data.assets
        if a["site"] == site["code"]
        and a["tier"] == 1
        and a["code"] in sensors_by_asset
        and all(
            plan.stale_after is None and all(e.end < quiet_since for e in plan.episodes)
            for plan in sensors_by_asset[a["code"]]
        )
    ]
    counter = _wo_counter(data, site)
    for (age_hours, acknowledged), asset in zip(LIVE_FAULTS, candidates, strict=False):
        plans = sensors_by_asset[asset["code"]]
        vib = next(p for p in plans if p.metric == "vibration_velocity_rms")
        _, zone_c, zone_d = ZONE_BOUNDARIES[(asset["machine_group"], asset["foundation"])]
        # Where on the way to failure the vibration reaches zone C (sensor_values' curve).
        reach = ((zone_c - vib.baseline) / (vib.failure_level - vib.baseline)) ** (1 / 2.2)
        length = dt.timedelta(days=LIVE_FAULT_DAYS)
        onset = data.end - dt.timedelta(hours=age_hours) - reach * length
        fails = onset + length
        for plan in plans:
            plan.episodes.append(Episode(onset, fails, 1.0))
        hours = np.arange(
            np.datetime64(onset.replace(tzinfo=None), "h"),
            np.datetime64(data.end.replace(tzinfo=None), "h"),
        )
        values = sensor_values(vib, hours)
        in_zone_c = np.flatnonzero(values >= zone_c)
        first = hours[in_zone_c[0]] if len(in_zone_c) else hours[-1]
        detected = first.astype("datetime64[s]").astype(dt.datetime).replace(tzinfo=UTC)
        alert = {
            "site": site["code"],
            "asset": asset["code"],
            "sensor": vib.code,
            "metric": vib.metric,
            "rule": "zone",
            "status": "open",
            "detected_at": detected,
            "first_zone": "C",
            "worst_zone": "D" if values.max() >= zone_d else "C",
            "rate_per_day": round((vib.failure_level - vib.baseline) / LIVE_FAULT_DAYS, 3),
            "estimated_hours_to_failure": round((fails - data.end).total_seconds() / 3600, 1),
            "acknowledged_at": None,
            "acknowledged_by": None,
            "work_order": None,
            "closed_at": None,
            "resolution": "",
        }
        if acknowledged:
            at = detected + dt.timedelta(minutes=float(rng.uniform(20, 70)))
            wo_id = _add_work_order(  # the repair is planned, not done yet
                data,
                site,
                asset,
                counter,
                kind="predictive",
                description=f"Planned repair from condition alert: {asset['name']}",
                opened=at,
                started=None,
                completed=None,
            )
            alert |= {
                "status": "acknowledged",
                "acknowledged_at": at,
                "acknowledged_by": data.technicians[site["code"]],
                "work_order": wo_id,
            }
        data.alerts.append(alert)


RECURRING_PM_WEEKS = 8  # the planted pattern's PM interval
RECURRING_FAILURE_WEEK = 6  # … and the week of each cycle its fault stops it
RECURRING_CYCLES = 4


def _choose_recurring_asset(data: DemoDataset, site: dict) -> dict | None:
    """The asset of the planted recurring failure: a Tier 2 or 3 pump, fan or conveyor off
    the JIT lines, the first there is (marked, so the window draws and the failure
    process leave it to the plant)."""
    jit_lines = {ln["code"] for ln in data.lines if ln["site"] == site["code"] and ln["jit_linked"]}
    asset = next(
        (
            a
            for a in data.assets
            if a["site"] == site["code"]
            and a["line"] not in jit_lines
            and a["tier"] > 1
            and a["asset_class"] in ("pump", "fan", "conveyor")
        ),
        None,
    )
    if asset is not None:
        asset["planted"] = "recurring failure"
    return asset


def _plant_recurring_failure(data: DemoDataset, site: dict, asset: dict, rng) -> None:
    """A recurring failure for the patterns page: the asset's PM comes every
    ``RECURRING_PM_WEEKS`` weeks and the same fault (its class's first, a pump's
    cavitation, a fan's imbalance) stops it in week ``RECURRING_FAILURE_WEEK`` of the
    cycle, for the last ``RECURRING_CYCLES`` cycles (the product proposes a shorter
    interval)."""
    mode = ASSET_CLASSES[asset["asset_class"]][4][0]
    windows = sorted(
        (w for w in data.windows if w["site"] == site["code"] and w["line"] == asset["line"]),
        key=lambda w: w["starts_at"],
    )
    counter = _wo_counter(data, site)
    cycles = windows[::RECURRING_PM_WEEKS]
    for number, window in enumerate(cycles):
        done = window["starts_at"] + dt.timedelta(minutes=45)
        _add_work_order(
            data,
            site,
            asset,
            counter,
            kind="preventive",
            description=f"PM: {asset['name']}",
            opened=window["starts_at"] - dt.timedelta(days=3),
            started=window["starts_at"],
            completed=done,
            parts=60,
            labour_hours=1.5,
            window=window,
        )
        window["maintenance_minutes_scheduled"] += 45
        window["maintenance_minutes_executed"] += 45
        fails = done + dt.timedelta(
            weeks=RECURRING_FAILURE_WEEK - 1, minutes=int(rng.integers(1, 5) * 1440)
        )
        recent = number >= len(cycles) - RECURRING_CYCLES - 1
        if recent and fails < data.end and number + 1 < len(cycles):
            _add_failure(data, site, asset, mode, fails, counter, rng)


PROACTIVE_EVERY_WEEKS = 6  # a stretch without an alert to work gets a find on rounds


def _add_proactive_finds(data: DemoDataset, site: dict, rng) -> None:
    """Faults the site's technician finds on rounds (ultrasound, thermography, a loose
    guard), without an alert, repaired in a changeover window. A technician's time is
    what it is: in a stretch of ``PROACTIVE_EVERY_WEEKS`` weeks without an alert to work,
    the rounds find one, repaired in the stretch's middle window (the site's lines in
    turn). So the saves of a year hold steady while alerts come in bursts."""
    lines = [ln["code"] for ln in data.lines if ln["site"] == site["code"]]
    windows = sorted(
        (w for w in data.windows if w["site"] == site["code"]), key=lambda w: w["starts_at"]
    )
    assets_by_line = _at_site(data.assets, site, key=lambda a: a["line"])
    counter = _wo_counter(data, site)
    caught = [p["detected_at"] for p in data.prevented_failures if p["site"] == site["code"]]
    stretch = dt.timedelta(weeks=PROACTIVE_EVERY_WEEKS)
    chosen, start, turn = [], data.history_start, 0
    while start + stretch <= data.end:
        if not any(start <= at < start + stretch for at in caught):
            middle = start + stretch / 2
            line = lines[turn % len(lines)]
            turn += 1
            window = next(
                (w for w in windows if w["line"] == line and w["starts_at"] >= middle), None
            )
            if window is not None and window["ends_at"] <= start + stretch:
                chosen.append(window)
        start += stretch
    for window in chosen:
        candidates = [a for a in assets_by_line[window["line"]] if a["tier"] <= 2]
        asset = candidates[int(rng.integers(len(candidates)))]
        cls = ASSET_CLASSES[asset["asset_class"]]
        mode = str(rng.choice(cls[4]))
        detected = window["starts_at"] - dt.timedelta(days=float(rng.uniform(2, 10)))
        minutes = int(rng.uniform(45, min(120, window["available_minutes"])))
        window["maintenance_minutes_scheduled"] += minutes
        window["maintenance_minutes_executed"] += minutes
        parts = cls[2] * rng.lognormal(0, 0.3) * 0.5
        labour = minutes / 60 * 2
        wo_id = _add_work_order(
            data,
            site,
            asset,
            counter,
            kind="predictive",
            description=f"Repair of a fault found on rounds: {asset['name']} ({mode})",
            opened=detected,
            started=window["starts_at"],
            completed=window["starts_at"] + dt.timedelta(minutes=minutes),
            parts=parts,
            labour_hours=labour,
            window=window,
            failure_mode=mode,
        )
        data.prevented_failures.append(
            _prevented(data, site, asset, mode, window, wo_id, parts, labour, rng)
            | {
                "origin": "proactive",
                "alert": None,
                "detected_at": detected,
                "confirmed_at": detected + dt.timedelta(hours=float(rng.uniform(1, 24))),
            }
        )


# --- production -------------------------------------------------------------------------


def _add_production(data: DemoDataset, site: dict, rng) -> None:
    """Per line, day and shift: planned and run minutes and counts (OEE inputs)."""
    m = site["maturity"]
    tz = zoneinfo.ZoneInfo(site["timezone"])
    lines = [ln for ln in data.lines if ln["site"] == site["code"]]
    first = data.history_start.astimezone(tz).date() + dt.timedelta(days=1)
    last = data.end.astimezone(tz).date() - dt.timedelta(days=1)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if d.weekday() != 6]  # Sundays off
    day_index = {d: i for i, d in enumerate(days)}
    windows_by_line = _at_site(data.windows, site, key=lambda w: w["line"])
    failures_by_line = _at_site(data.failures, site, key=lambda f: f["line"])
    for line in lines:
        planned = np.full((len(days), 3), SHIFT_PLANNED_MINUTES, dtype=np.int64)
        lost = np.zeros((len(days), 3), dtype=np.int64)
        for w in windows_by_line.get(line["code"], []):
            i = day_index.get(w["starts_at"].astimezone(tz).date())
            if i is not None:
                planned[i, 0] = max(0, planned[i, 0] - w["available_minutes"])
        for f in failures_by_line.get(line["code"], []):
            if f["tier"] != 1:
                continue
            local = f["started_at"].astimezone(tz)
            shift_day = local.date() if local.hour >= 6 else local.date() - dt.timedelta(days=1)
            i = day_index.get(shift_day)
            if i is not None:
                s = 0 if 6 <= local.hour < 14 else (1 if 14 <= local.hour < 22 else 2)
                minutes = (f["ended_at"] - f["started_at"]).total_seconds() / 60
                lost[i, s] += int(minutes)
        # Small stops, set-ups, waiting for material; slow cycles; scrap. Calibrated so OEE
        # reads about 81 % at a mature site and 69 % at an immature one (world class is
        # about 85 %, a typical plant 60–70 %), not 90 %.
        minor = planned * rng.uniform(0.04, 0.10 + 0.14 * (1 - m), size=planned.shape)
        run = np.clip(planned - lost - minor.astype(np.int64), 0, planned)
        perf = rng.uniform(0.74 + 0.12 * m, 0.86 + 0.08 * m, size=planned.shape)
        ideal = line["ideal_cycle_seconds"]
        total = np.floor(run * 60 / ideal * perf).astype(np.int64)
        quality = rng.uniform(0.94 + 0.04 * m, 0.975 + 0.02 * m, size=planned.shape)
        good = np.floor(total * quality).astype(np.int64)
        for i, day in enumerate(days):
            for s, shift in enumerate(SHIFTS):
                if planned[i, s] > 0:
                    data.production.append(
                        (
                            site["code"],
                            line["code"],
                            day,
                            shift,
                            int(planned[i, s]),
                            int(run[i, s]),
                            round(ideal, 2),
                            int(total[i, s]),
                            int(good[i, s]),
                        )
                    )


# --- OEM relationships, scorecards, penalties -------------------------------------------


def _add_relationships(data: DemoDataset, site: dict, rng, *, planted: bool) -> None:
    """One to three OEM relationships of $12–55M a year each (the sources' examples run
    $10–60M). The ``planted`` site, the least mature of the main portfolio, also supplies
    Northway Motors $18M a year: the relationship sliding towards SDP review (the director
    article's "$18M annual revenue relationship at 35 % probability")."""
    others = [i for i, (code, _) in enumerate(CUSTOMERS) if not (planted and code == PLANTED)]
    count = int(rng.integers(1, 3 if planted else 4))
    picks = [int(i) for i in rng.choice(others, size=count, replace=False)]
    revenues = [round(float(rng.uniform(12e6, 55e6)), -5) for _ in picks]
    if planted:
        picks.append(next(i for i, (code, _) in enumerate(CUSTOMERS) if code == PLANTED))
        revenues.append(18e6)
    for pick, revenue in zip(picks, revenues, strict=True):
        data.relationships.append(
            {
                "customer": CUSTOMERS[pick][0],
                "site": site["code"],
                "annual_revenue": money(revenue),
                "status": "preferred"
                if site["maturity"] > 0.7
                else ("approved" if site["maturity"] > 0.4 else "conditional"),
                "sdp_threshold_score": money(float(rng.choice([70, 72, 75, 78]))),
                "maturity": site["maturity"],
                "sliding": planted and CUSTOMERS[pick][0] == PLANTED,
            }
        )


def _quarters_before(end: dt.datetime, count: int) -> list[tuple[int, int]]:
    """The ``count`` complete quarters before ``end``, oldest first."""
    year, quarter = end.year, (end.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append((year, quarter))
    return out[::-1]


def _add_scorecards(data: DemoDataset, rng) -> None:
    """Quarterly scores: mature sites hold steady, immature ones slide towards SDP."""
    quarters = _quarters_before(data.end, data.scale.scorecard_quarters)
    for rel in data.relationships:
        m = rel["maturity"]
        threshold = float(rel["sdp_threshold_score"])
        if rel["sliding"]:
            # Losing 0.9 points a quarter, steadily: projected SDP_HORIZON_QUARTERS past the
            # last scorecard it stands 0.6 above its threshold, which with the projection's
            # σ of 2 points is about a 35 % probability of SDP review.
            slope, noise = -0.9, 0.3
            last = threshold + 0.6 - slope * SDP_HORIZON_QUARTERS
            start = last - slope * (len(quarters) - 1)
        else:
            # Mature sites improve a little; the others drift down, far from their bar.
            slope = float(rng.normal(0.3 if m > 0.6 else -0.25 * (1 - m), 0.15))
            start, noise = float(rng.uniform(86, 94)), 1.0
        for k, (year, quarter) in enumerate(quarters):
            score = float(np.clip(start + slope * k + rng.normal(0, noise), 40, 99.5))
            data.scorecards.append(
                {
                    "customer": rel["customer"],
                    "site": rel["site"],
                    "year": year,
                    "quarter": quarter,
                    "score": money(score),
                    "components": {
                        "delivery": round(float(np.clip(score + rng.normal(1, 2), 0, 100)), 1),
                        "quality": round(float(np.clip(score + rng.normal(0, 2), 0, 100)), 1),
                        "responsiveness": round(
                            float(np.clip(score + rng.normal(-1, 2), 0, 100)), 1
                        ),
                    },
                }
            )


def _add_penalties(data: DemoDataset, site: dict, rng) -> None:
    """Line-stop penalties for failures of Tier 1 assets on JIT lines, plus a few others."""
    rels = [r for r in data.relationships if r["site"] == site["code"]]
    weights = np.array([float(r["annual_revenue"]) for r in rels])
    weights = weights / weights.sum()
    count = 0
    site_letter = site["code"][-1].upper()

    def invoice(rel, incurred, amount, reason, failure=None):
        nonlocal count
        count += 1
        prefix = f"{rel['customer'][:3].upper()}-{site_letter}"
        data.penalties.append(
            {
                "customer": rel["customer"],
                "site": site["code"],
                "invoice_reference": f"{prefix}-{count:05d}",
                "incurred_on": incurred.date(),
                "amount": money(round(amount, -2)),
                "reason": reason,
                "failure": failure,
            }
        )

    for f in data.failures:
        # A stop of the line (a Tier 1 asset or the bottleneck) that feeds an OEM just in
        # time, long enough to reach the customer's line.
        stopped_the_line = f["jit"] and f["production_lost_units"] > 0
        if f["site"] != site["code"] or not stopped_the_line:
            continue
        hours = (f["ended_at"] - f["started_at"]).total_seconds() / 3600
        incurred = f["ended_at"] + dt.timedelta(days=int(rng.integers(7, 35)))
        if hours < 1 or incurred > data.end:
            continue
        rel = rels[int(rng.choice(len(rels), p=weights))]
        # Customers charge an immature supplier more: repeat stops, escalated terms.
        rate = rng.uniform(2_500, 6_000) * (2.2 - 2 * site["maturity"])
        amount = hours * rate + rng.choice([0, 5_000, 10_000])
        invoice(
            rel,
            incurred,
            amount,
            f"Line stop at customer plant ({hours:.1f} h)",
            failure=(f["asset"], f["started_at"]),
        )
    # Delivery and quality penalties that no failure record explains, at a steady pace: a
    # late shipment or a quality spill about every five weeks at an immature site, once a
    # year or so at a mature one.
    gap = 365 / (12.0 * (1 - site["maturity"]))
    day = float(rng.uniform(0, gap))
    while day < data.scale.history_days:
        incurred = data.history_start + dt.timedelta(days=day)
        day += gap * float(rng.uniform(0.7, 1.3))
        rel = rels[int(rng.choice(len(rels), p=weights))]
        invoice(
            rel,
            incurred,
            float(rng.uniform(10_000, 30_000)),
            str(rng.choice(["Late delivery (premium freight)", "Quality spill at customer"])),
        )


def _add_people(data: DemoDataset) -> None:
    """The demo users' memberships and the technician's certifications."""
    main, first_site = data.portfolios[0]["code"], data.sites[0]["code"]
    data.memberships = [
        {"username": "vp", "role": "executive", "portfolio": None, "site": None},
        {"username": "director", "role": "director", "portfolio": main, "site": None},
        {"username": "manager", "role": "site_manager", "portfolio": None, "site": first_site},
        {"username": "tech", "role": "technician", "portfolio": None, "site": first_site},
    ] + [
        {"username": username, "role": "technician", "portfolio": None, "site": site}
        for site, username in data.technicians.items()
        if username != "tech"
    ]
    year = data.end.year
    data.certifications = [
        {
            "holder": "tech",
            "kind": "va_cat_1",
            "status": "earned",
            "earned_on": dt.date(year - 3, 5, 14),
            "expires_on": dt.date(year + 2, 5, 14),
        },
        {
            "holder": "tech",
            "kind": "va_cat_2",
            "status": "in_progress",
            "target_date": dt.date(year + 1, 3, 31),
        },
        {
            "holder": "tech",
            "kind": "cmrp",
            "status": "planned",
            "target_date": dt.date(year + 1, 9, 30),
        },
    ]


def _add_capital_plan(data: DemoDataset) -> None:
    """One proposed monitoring program per site, sized by its Tier 1 assets: $40,000 of
    gateways and software plus $2,500 of sensors and set-up per Tier 1 asset. Derived from
    the structure (no random draw), so every other demo row stays as it was."""
    tier1: dict[str, int] = {}
    for asset in data.assets:
        if asset["tier"] == 1:
            tier1[asset["site"]] = tier1.get(asset["site"], 0) + 1
    data.capital_proposals = [
        {
            "site": site["code"],
            "amount": 40_000 + 2_500 * tier1.get(site["code"], 0),
            "description": (
                f"Online vibration and temperature monitoring on "
                f"{tier1.get(site['code'], 0)} Tier 1 assets"
            ),
        }
        for site in data.sites
    ]


# --- readings ---------------------------------------------------------------------------


def _reading_times(data: DemoDataset, plan: SensorPlan) -> np.ndarray:
    start = np.datetime64(data.readings_start.replace(tzinfo=None), "h")
    stop = np.datetime64((plan.stale_after or data.end).replace(tzinfo=None), "h")
    return np.arange(start, max(start, stop), dtype="datetime64[h]")


def iter_readings(data: DemoDataset) -> Iterator[tuple[SensorPlan, np.ndarray, np.ndarray]]:
    """Per sensor: (plan, hourly UTC times as datetime64[us], float32 values)."""
    for plan in data.sensors:
        times = _reading_times(data, plan)
        yield plan, times.astype("datetime64[us]"), sensor_values(plan, times)


def sensor_values(plan: SensorPlan, times: np.ndarray) -> np.ndarray:
    """Baseline with noise and a daily load cycle, rising towards the failure level in faults."""
    rng = np.random.default_rng(plan.seed)
    hours = times.astype("int64")
    daily = 1 + 0.04 * np.sin(2 * np.pi * (hours % 24) / 24)
    values = plan.baseline * daily * (1 + plan.noise * rng.standard_normal(len(times)))
    if plan.metric == "temperature":
        values = plan.baseline * daily + 2.0 * rng.standard_normal(len(times))
    for episode in plan.episodes:
        onset = np.datetime64(episode.onset.replace(tzinfo=None), "h")
        stop = np.datetime64(episode.end.replace(tzinfo=None), "h")
        inside = (times >= onset) & (times < stop)
        if not inside.any():
            continue
        length = max(1, int((stop - onset) / np.timedelta64(1, "h")))
        progress = (hours[inside] - onset.astype("int64")) / length * episode.peak_fraction
        # Vibration grows slowly then fast; temperature and current only near the end.
        power = {"vibration_velocity_rms": 2.2, "temperature": 3.5, "current": 3.0}[plan.metric]
        values[inside] += (plan.failure_level - plan.baseline) * progress**power
    return np.maximum(values, 0).astype(np.float32)
