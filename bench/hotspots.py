"""Where a profiled run spent its time: the benchmarks' shared cProfile report."""

import pstats
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
KEYS = ("function", "file", "cumulative_s", "own_s", "calls")


def hotspots(profiler, top: int, title: str, exclude: str = "") -> dict:
    """The project's functions by cumulative time (the call path), then any function by its
    own time (where the CPU goes, library code included); printed and returned."""
    rows = []
    for (file, lineno, func), (_cc, calls, own, cumulative, _callers) in pstats.Stats(
        profiler
    ).stats.items():
        rows.append(
            {
                "function": func,
                "file": f"{_short(file)}:{lineno}",
                "calls": calls,
                "own_s": round(own, 3),
                "cumulative_s": round(cumulative, 3),
                "project": file.startswith(PROJECT_ROOT)
                and "/.venv/" not in file
                and not (exclude and file.endswith(exclude)),
            }
        )
    project = sorted((r for r in rows if r["project"]), key=lambda r: -r["cumulative_s"])[:top]
    own = sorted(rows, key=lambda r: -r["own_s"])[:top]
    print(f"\nprofile of {title}, project code by cumulative time:")
    for r in project:
        print(
            f"  {r['cumulative_s']:8.3f} s cum {r['calls']:>9} calls  {r['function']}  {r['file']}"
        )
    print("any code by own time:")
    for r in own:
        print(f"  {r['own_s']:8.3f} s own {r['calls']:>9} calls  {r['function']}  {r['file']}")
    print()
    return {
        "project_cumulative": [{k: r[k] for k in KEYS} for r in project],
        "own": [{k: r[k] for k in KEYS} for r in own],
    }


def _short(file: str) -> str:
    for prefix in (PROJECT_ROOT + "/.venv/lib/", PROJECT_ROOT + "/"):
        if file.startswith(prefix):
            return file[len(prefix) :].split("site-packages/")[-1]
    return file
