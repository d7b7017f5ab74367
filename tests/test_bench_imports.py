"""The benchmark scripts (bench/, not run by CI) still import what the project has: a moved
or renamed function fails here, not the next time someone measures."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
PROJECT = {
    "accounts", "config", "core", "demo", "ingest", "oem", "portfolio", "reliability", "scores"
}  # fmt: skip
SCRIPTS = sorted(BENCH.glob("*.py"))


def project_imports(path: Path):
    """(line, module, name or None) of every import of a project module in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in PROJECT:
                for alias in node.names:
                    yield node.lineno, node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT:
                    yield node.lineno, alias.name, None


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_a_benchmark_imports_only_what_exists(script):
    missing = []
    for line, module_name, name in project_imports(script):
        module = importlib.import_module(module_name)
        if name is not None and not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ModuleNotFoundError:
                missing.append(f"bench/{script.name}:{line}: {module_name}.{name}")
    assert missing == [], "these names moved or were renamed; update the benchmark"
