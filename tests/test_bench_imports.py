"""The benchmark scripts (bench/, not run by CI) still use what the project has: a moved or
renamed function fails here, not the next time someone measures. Checked: every name they
import from a project module, every attribute they read off one (``services.batch_run``),
and every ``(module, "name")`` pair they patch."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
PROJECT = {
    "accounts", "config", "core", "demo", "ingest", "oem", "portfolio", "reliability", "scores"
}  # fmt: skip
SCRIPTS = sorted(BENCH.glob("*.py"))


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def missing_names(path: Path) -> list[str]:
    """``bench/x.py:line: module.name`` for each project name the script uses that is gone."""
    tree = ast.parse(path.read_text(), str(path))
    modules = {}  # a name bound to a project module → the module
    missing = []

    def need(module, name: str, line: int):
        if not hasattr(module, name) and _module(f"{module.__name__}.{name}") is None:
            missing.append(f"bench/{path.name}:{line}: {module.__name__}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in PROJECT:
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                need(module, alias.name, node.lineno)
                submodule = _module(f"{node.module}.{alias.name}")
                if submodule is not None:
                    modules[alias.asname or alias.name] = submodule
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT:
                    modules[alias.asname or alias.name] = importlib.import_module(alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                module = modules[base.id]
                for attribute in chain:  # follow submodules: services.csvchunks.read_chunk
                    need(module, attribute, node.lineno)
                    module = getattr(module, attribute, None)
                    if not isinstance(module, type(ast)):
                        break
        elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
            first, second = node.elts[0], node.elts[1]
            if (
                isinstance(first, ast.Name)
                and first.id in modules
                and isinstance(second, ast.Constant)
                and isinstance(second.value, str)
            ):
                need(modules[first.id], second.value, node.lineno)
    return sorted(set(missing))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_a_benchmark_uses_only_what_exists(script):
    assert missing_names(script) == [], "these names moved or were renamed; update the script"


def test_the_check_finds_a_renamed_attribute(tmp_path):
    script = tmp_path / "gone.py"
    script.write_text(
        "from ingest import services\n"
        "from scores import tasks\n"
        "services._recompute = print\n"
        "patches = [(tasks, 'no_such_task')]\n"
    )
    assert missing_names(script) == [
        "bench/gone.py:3: ingest.services._recompute",
        "bench/gone.py:4: scores.tasks.no_such_task",
    ]
