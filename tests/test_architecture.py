"""The layers hold: the project's own code, read with ``ast``, against the policy below.

The apps stand in the order ``settings.INSTALLED_APPS`` lists them, from the floor (``core``)
to the roof (``scores``) and the demo above it; ``config`` is the wiring, not an app. Each
rule below is a ``check_*`` function that takes parsed modules (or template texts) and
returns one message per violation, ``path:line: what, and what to do``; the project tests
run them on the checkout, the self-tests at the end feed them small synthetic sources so
every rule is shown to fail when it should. No database: nothing here is ``django_db``.

The policy is the data right below: change it there, with its reason.
"""

from __future__ import annotations

import ast
import fnmatch
import io
import re
import textwrap
import tokenize
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# --- The policy ----------------------------------------------------------------------------

#: The wiring (settings, root URLconf, API router, Celery app, health): not an app. It may
#: import any app; no app may import it (it imports them, so that would be a cycle).
WIRING = "config"

#: Folders never walked: schema history is generated, tests and benchmarks are not the app.
SKIPPED_DIRS = frozenset({"migrations", "tests", "bench", "__pycache__"})

#: Method names a selector or a page builder must not call, on anything: each one writes.
WRITE_METHODS = {
    "save": "writes a row",
    "create": "inserts a row",
    "get_or_create": "may insert a row",
    "update_or_create": "may insert or update a row",
    "bulk_create": "inserts rows",
    "bulk_update": "updates rows",
    "update": "updates rows, or a dict in place",
    "delete": "deletes rows (or a cache key)",
    "select_for_update": "locks rows, which only a write needs",
    "add": "writes a many-to-many link, or mutates a set or the cache",
    "remove": "deletes a many-to-many link, or mutates a collection",
    "set": "replaces many-to-many links, or writes a cache key",
    "clear": "deletes every many-to-many link, or empties a collection",
}
#: Functions that send mail: a side effect, so a service's job.
MAIL_FUNCTIONS = {
    "send_mail": "sends mail",
    "send_mass_mail": "sends mail",
    "mail_admins": "sends mail",
    "mail_managers": "sends mail",
}
#: Methods that queue a Celery task: a side effect, so a service's job.
TASK_METHODS = {"delay": "queues a Celery task", "apply_async": "queues a Celery task"}

#: Methods whose first argument is SQL (a cursor's, a manager's ``raw``): in a selector the
#: SQL is written in the call (a literal, so the check can read it), and it only reads.
SQL_METHODS = frozenset({"execute", "executemany", "raw"})
#: The keyword the SQL goes by when it is not passed first (Django, psycopg, Manager.raw).
SQL_KEYWORDS = ("sql", "query", "raw_query", "statement", "operation")
#: Methods a selector must not call, on anything: SQL the check cannot read, or COPY.
OPAQUE_SQL_METHODS = {
    "copy_expert": "runs COPY (psycopg2), which loads or streams rows in bulk",
    "copy_from": "runs COPY … FROM (psycopg2), which writes rows in bulk",
    "copy_to": "runs COPY … TO (psycopg2), which streams a table out in bulk",
    "copy": "runs COPY on a psycopg 3 cursor",
    "callproc": "calls a stored procedure, whose SQL the check cannot read",
}
#: The first keyword of a statement that only reads.
READ_SQL_KEYWORDS = frozenset({"SELECT", "WITH"})
#: Clauses that write or lock even inside a SELECT/WITH statement.
WRITE_SQL = re.compile(
    r"\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w[\w.\"]*\s+SET|TRUNCATE|"
    r"FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE)\b",
    re.IGNORECASE,
)
#: Calls that run raw SQL: raw SQL lives in selectors, never in a page builder.
RAW_SQL_CALLS = {
    "cursor": "opens a database cursor",
    "execute": "runs raw SQL",
    "executemany": "runs raw SQL",
    "raw": "runs raw SQL",
}

#: Modules a page builder must not import: requests and responses belong to the view.
HTTP_MODULES = {
    "django.http": "requests and responses are the view's",
    "django.shortcuts": "render/redirect/get_object_or_404 answer HTTP: the view's",
    "django.contrib.messages": "flash messages ride on the request: the view's",
    "rest_framework": "the API layer is HTTP: the api/ package's",
}
#: Modules (``<app>.<name>``, or under it) a selector or a page builder must not import: each
#: writes or schedules, and what is imported gets called.
WRITING_MODULES = {
    "services": "the app's writes live there",
    "tasks": "Celery tasks write, and queue more work",
    "scheduling": "schedules work (queues tasks)",
    "receivers": "signal receivers write when a signal fires",
    "alerting": "reliability's alert engine writes alerts",
    "rollups": "writes roll-ups",
}
#: Parameter names a page builder must not take: it gets the user and the query, not HTTP.
HTTP_PARAMETERS = {"request": "pass what the page needs (user, parsed query) instead"}

#: Modules that stay pure (no Django, directly or through a project module): they compute
#: from numbers and frames, so they run and test without settings or a database.
PURE_MODULES = {
    "core/dates.py": "calendar arithmetic",
    "core/frames.py": "frame checks",
    "core/language.py": "how numbers read",
    "reliability/metrics.py": "reliability metrics from frames",
    "reliability/statistics.py": "statistics from frames",
    "reliability/condition.py": "condition monitoring from frames",
    "oem/metrics.py": "OEM figures from frames",
    "scores/figures/*.py": "the scoring functions",
    "scores/snapshot.py": "the shape of a snapshot's details",
}
#: Top-level packages that are Django or load it on import.
DJANGO_PACKAGES = {
    "django": "Django itself",
    "rest_framework": "imports Django",
    "django_filters": "imports Django",
    "drf_spectacular": "imports Django",
    "drf_spectacular_sidecar": "a Django app",
    "csp": "django-csp imports Django",
}

#: Attributes no template variable may reach, at the end of its path or on the way
#: (``{{ s.details }}``, ``{{ s.details|safe }}``, ``{% with d=s.details %}``, ``s.details.x``).
TEMPLATE_FORBIDDEN = {
    "details": "templates never read a snapshot's details: copy what the page needs out of "
    "snapshot.details in the page builder (scores/pages/) and pass it as a field",
}
#: Where template code is: ``{{ … }}`` and ``{% … %}``, each on one line (as Django reads them).
TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
#: A quoted string inside template code: text, not a variable.
TEMPLATE_STRING = re.compile(r""""[^"]*"|'[^']*'""")

#: Calls that import a module named by a literal string: the layer and cycle rules (and the
#: selectors' and page builders' writing-module rule) count them as import statements.
STRING_IMPORTS = {
    "import_module": "importlib.import_module(name, package): loads the module",
    "__import__": "__import__(name, fromlist=…, level=…): loads the module",
    "import_string": "django.utils.module_loading.import_string(path): loads path's module",
    "get_model": "apps.get_model('label', 'Model') / ('label.Model'): the app's models",
}
#: Model fields whose ``to`` (first argument) or ``through`` may name a model as
#: "app_label.Model": the app's models are imported when the registry resolves it.
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})

#: Function-level imports need no comment here: Django's convention, or never run.
LAZY_IMPORT_EXEMPT = {
    "AppConfig.ready": "apps.py ready(): models load after the app registry is ready",
    "TYPE_CHECKING": "if TYPE_CHECKING: never runs",
}
#: Linter pragmas are not a reason: a comment of only these does not explain an import.
PRAGMA = re.compile(
    r"noqa(:\s*[A-Z]+\d*(\s*,\s*[A-Z]+\d*)*)?|type:\s*ignore(\[[^\]]*\])?|pragma:?\s*no\s*cover"
    r"|fmt:\s*(on|off|skip)|isort:\s*skip|pylint:\s*\S+",
    re.IGNORECASE,
)


# --- Reading the project -------------------------------------------------------------------


@dataclass
class Module:
    """One Python file of the project: its path from the root and its dotted name."""

    path: str
    source: str
    name: str = field(init=False)
    tree: ast.Module = field(init=False, repr=False)

    def __post_init__(self):
        parts = self.path.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        self.name = ".".join(parts)
        self.tree = ast.parse(self.source, filename=self.path)

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")

    @property
    def app(self) -> str:
        return self.name.split(".")[0]

    @property
    def lines(self) -> list[str]:
        return self.source.splitlines()


@dataclass(frozen=True)
class Import:
    """One import statement, or one call that imports by string (STRING_IMPORTS,
    RELATION_FIELDS), with every absolute module name it may load."""

    module: Module
    node: ast.Import | ast.ImportFrom | ast.Call
    targets: tuple[str, ...]
    in_function: bool
    exempt: str | None  # a key of LAZY_IMPORT_EXEMPT, or None

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def end_line(self) -> int:
        return self.node.end_lineno or self.node.lineno

    @property
    def where(self) -> str:
        return f"{self.module.path}:{self.line}"

    @property
    def text(self) -> str:
        text = ast.unparse(self.node)
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def top_levels(self) -> list[str]:
        return sorted({target.split(".")[0] for target in self.targets})


def project_apps(installed_apps: Sequence[str], root: Path = ROOT) -> list[str]:
    """The project's own apps (a package folder in the checkout), in INSTALLED_APPS order."""
    apps = []
    for entry in installed_apps:
        top = entry.split(".")[0]
        if (root / top / "__init__.py").is_file() and top not in apps:
            apps.append(top)
    return apps


def load_project(root: Path, packages: Iterable[str]) -> dict[str, Module]:
    """Every module of ``packages`` under ``root``, skipping SKIPPED_DIRS; by dotted name."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if SKIPPED_DIRS.intersection(relative.parts[:-1]):
                continue
            module = Module(relative.as_posix(), path.read_text(encoding="utf-8"))
            modules[module.name] = module
    return modules


def synthetic(files: Mapping[str, str]) -> dict[str, Module]:
    """Modules from ``{path: source}``, for the self-tests."""
    modules = [Module(path, textwrap.dedent(source)) for path, source in files.items()]
    return {module.name: module for module in modules}


def _relative_to(module: Module, level: int, name: str | None) -> str:
    """The absolute name of ``name`` imported ``level`` dots up from ``module``."""
    if not level:
        return name or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *([name] if name else [])])


def _absolute_base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute package a ``from`` import names (relative levels resolved)."""
    return _relative_to(module, node.level, node.module)


def import_targets(module: Module, node: ast.Import | ast.ImportFrom) -> tuple[str, ...]:
    """What a statement may load: ``from a import b`` loads ``a`` and maybe module ``a.b``."""
    if isinstance(node, ast.Import):
        return tuple(alias.name for alias in node.names)
    base = _absolute_base(module, node)
    names = [base] if base else []
    names += [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    return tuple(name for name in names if not name.endswith("*"))


def _argument(call: ast.Call, position: int | None, *keywords: str) -> ast.expr | None:
    """The argument of ``call`` at ``position``, or given by one of ``keywords``."""
    if position is not None and len(call.args) > position:
        return call.args[position]
    return next((kw.value for kw in call.keywords if kw.arg in keywords), None)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _models_of(reference: str | None) -> list[str]:
    """``label.models`` for a model named "label.Model" (a bare "Model" or "self" is its own
    app's: no dependency)."""
    label, dot, model = (reference or "").partition(".")
    return [f"{label}.models"] if label and dot and model else []


def string_import_targets(module: Module, call: ast.Call, apps: Iterable[str]) -> tuple[str, ...]:
    """The project modules a call imports by a literal string (STRING_IMPORTS,
    RELATION_FIELDS); empty for any other call, a non-literal argument, a name outside
    ``apps`` (Django's own apps, settings.AUTH_USER_MODEL, "self")."""
    name, _ = _call_name(call)
    targets: list[str] = []
    if name == "import_module":
        text = _literal(_argument(call, 0, "name")) or ""
        level = len(text) - len(text.lstrip("."))
        if level:  # relative to the ``package`` argument, as importlib resolves it
            package = _literal(_argument(call, 1, "package"))
            base = package.rsplit(".", level - 1)[0] if package else ""
            text = f"{base}.{text[level:]}".rstrip(".") if base else ""
        targets = [text]
    elif name == "__import__":
        text, level = _literal(_argument(call, 0, "name")), _argument(call, 4, "level")
        level = level.value if isinstance(level, ast.Constant) else 0
        if text is not None and isinstance(level, int):
            base = _relative_to(module, level, text)
            fromlist = _argument(call, 3, "fromlist")
            names = fromlist.elts if isinstance(fromlist, ast.List | ast.Tuple) else []
            targets = [base] + [f"{base}.{n}" for n in map(_literal, names) if n]
    elif name == "import_string":
        text = _literal(_argument(call, 0, "dotted_path")) or ""
        targets = [text.rpartition(".")[0], text]
    elif name == "get_model":
        label, model = _argument(call, 0, "app_label"), _argument(call, 1, "model_name")
        if model is None:  # get_model("label.Model"); one bare name is AppConfig.get_model
            targets = _models_of(_literal(label))
        elif _literal(label):
            targets = [f"{_literal(label)}.models"]
    elif name in RELATION_FIELDS:
        for reference in (_argument(call, 0, "to"), _argument(call, None, "through")):
            targets += _models_of(_literal(reference))
    apps = set(apps)
    return tuple(dict.fromkeys(t for t in targets if t and t.split(".")[0] in apps))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_app_config_ready(module: Module, node: ast.AST, parent: ast.AST | None) -> bool:
    if not (module.path.endswith("apps.py") and isinstance(parent, ast.ClassDef)):
        return False
    bases = {ast.unparse(base).split(".")[-1] for base in parent.bases}
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
        node.name == "ready" and "AppConfig" in bases
    )


def imports_of(module: Module, apps: Iterable[str] = ()) -> list[Import]:
    """Every import statement of a module, at any depth, in source order; with ``apps``,
    also every call that imports one of them by string (see string_import_targets)."""
    found: list[Import] = []
    apps = frozenset(apps)

    def visit(node: ast.AST, parent: ast.AST | None, in_function: bool, exempt: str | None):
        if isinstance(node, ast.Import | ast.ImportFrom):
            targets = import_targets(module, node)
            found.append(Import(module, node, targets, in_function, exempt))
            return
        if apps and isinstance(node, ast.Call):
            targets = string_import_targets(module, node, apps)
            if targets:
                found.append(Import(module, node, targets, in_function, exempt))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, node, in_function, exempt or "TYPE_CHECKING")
            for child in node.orelse:
                visit(child, node, in_function, exempt)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if _is_app_config_ready(module, node, parent):
                exempt = exempt or "AppConfig.ready"
            in_function = True
        for child in ast.iter_child_nodes(node):
            visit(child, node, in_function, exempt)

    visit(module.tree, None, False, None)
    return sorted(found, key=lambda imp: (imp.line, imp.node.col_offset))


# --- 1 and 2. Imports go down only; no cycle between apps ----------------------------------


def check_layers(modules: Mapping[str, Module], app_order: Sequence[str]) -> list[str]:
    """An app imports only itself and the apps listed before it; none imports the wiring.
    Imports by string (STRING_IMPORTS, RELATION_FIELDS) count."""
    rank = {app: i for i, app in enumerate(app_order)}
    problems = []
    for module in modules.values():
        if module.app not in rank:
            continue  # the wiring imports anything
        for imp in imports_of(module, [*app_order, WIRING]):
            for target in imp.top_levels:
                if target == WIRING:
                    problems.append(
                        f"{imp.where}: `{imp.text}`: app {module.app} imports the wiring "
                        f"({WIRING}). Apps never import {WIRING}: take the value as an "
                        "argument or read django.conf.settings."
                    )
                elif target in rank and rank[target] > rank[module.app]:
                    problems.append(
                        f"{imp.where}: `{imp.text}`: {module.app} (#{rank[module.app] + 1}) "
                        f"imports {target} (#{rank[target] + 1}), which stands above it. "
                        f"Move the code that needs {target} up into {target} (or above), or "
                        f"let {target} hand it down (a registry filled in {target}'s "
                        "AppConfig.ready, a signal, an argument)."
                    )
    return problems


def app_graph(
    modules: Mapping[str, Module], app_order: Sequence[str]
) -> dict[str, dict[str, list[Import]]]:
    """App -> imported app -> the imports of it (the wiring counts as a node; imports by
    string count)."""
    nodes = {*app_order, WIRING}
    graph: dict[str, dict[str, list[Import]]] = {node: {} for node in nodes}
    for module in modules.values():
        if module.app not in nodes:
            continue
        for imp in imports_of(module, nodes):
            for target in imp.top_levels:
                if target in nodes and target != module.app:
                    graph[module.app].setdefault(target, []).append(imp)
    return graph


def simple_cycles(graph: Mapping[str, Iterable[str]], limit: int = 1000) -> list[list[str]]:
    """The simple cycles of a small graph, each starting at its first node in ``graph``."""
    order = {node: i for i, node in enumerate(graph)}
    cycles: list[list[str]] = []

    def walk(start: str, path: list[str]):
        for nxt in sorted(graph[path[-1]], key=order.__getitem__):
            if len(cycles) >= limit:
                return
            if nxt == start:
                cycles.append([*path, start])
            elif order[nxt] > order[start] and nxt not in path:
                walk(start, [*path, nxt])

    for start in graph:
        walk(start, [start])
    return cycles


def check_cycles(modules: Mapping[str, Module], app_order: Sequence[str]) -> list[str]:
    """No app reaches itself through the imports of others."""
    graph = app_graph(modules, app_order)
    ordered = {node: graph[node] for node in [*app_order, WIRING]}
    problems = []
    for cycle in simple_cycles(ordered):
        steps = []
        for source, target in zip(cycle, cycle[1:], strict=False):
            imports = graph[source][target]
            more = f" and {len(imports) - 1} more" if len(imports) > 1 else ""
            steps.append(f"    {source} -> {target}: {imports[0].where} `{imports[0].text}`{more}")
        problems.append(
            f"cycle {' -> '.join(cycle)}: break the edge that goes up the app order "
            "(see test_imports_go_down_only).\n" + "\n".join(steps)
        )
    return problems


# --- 3. Function-level imports carry their reason ------------------------------------------


def _comments(module: Module) -> dict[int, str]:
    """Line number -> the comment on it (from the tokenizer: no ``#`` inside strings)."""
    tokens = tokenize.generate_tokens(io.StringIO(module.source).readline)
    return {tok.start[0]: tok.string for tok in tokens if tok.type == tokenize.COMMENT}


def _is_reason(comment: str | None) -> bool:
    """A comment that says something: not only a linter pragma."""
    if not comment:
        return False
    return bool(re.search(r"\w", PRAGMA.sub("", comment.lstrip("#"))))


def check_lazy_import_reasons(modules: Mapping[str, Module]) -> list[str]:
    """An import inside a function says why it is not at the top: a comment just above it
    (or above the run of function-level imports it ends), or at the end of its line."""
    problems = []
    for module in modules.values():
        lazy = [imp for imp in imports_of(module) if imp.in_function]
        if not lazy:
            continue
        comments, lines = _comments(module), module.lines
        explained_ends: set[int] = set()
        for imp in lazy:
            if imp.exempt:
                continue
            above = lines[imp.line - 2].strip() if imp.line > 1 else ""
            explained = (
                any(_is_reason(comments.get(n)) for n in range(imp.line, imp.end_line + 1))
                or (above.startswith("#") and _is_reason(above))
                or imp.line - 1 in explained_ends
            )
            if explained:
                explained_ends.add(imp.end_line)
            else:
                problems.append(
                    f"{imp.where}: `{imp.text}` inside a function, with no reason beside it. "
                    "Import it at the top of the module, or write why it waits (e.g. the "
                    "cycle it breaks, the cost it defers) in a comment just above it or at "
                    "the end of its line."
                )
    return problems


# --- 4 and 5. Selectors only read; page builders neither speak HTTP nor write --------------


def _call_name(call: ast.Call) -> tuple[str | None, bool]:
    """(name, is a method call) of what a call calls."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr, True
    if isinstance(call.func, ast.Name):
        return call.func.id, False
    return None, False


def _shown(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    return (text if len(text) <= 60 else "…" + text[-59:]) + "(…)"


def _calls(module: Module) -> list[ast.Call]:
    calls = [node for node in ast.walk(module.tree) if isinstance(node, ast.Call)]
    return sorted(calls, key=lambda call: (call.lineno, call.col_offset))


def _write_calls(module: Module, role: str, fix: str) -> list[str]:
    problems = []
    for call in _calls(module):
        name, is_method = _call_name(call)
        if name is None:
            continue
        why = (WRITE_METHODS.get(name) or TASK_METHODS.get(name)) if is_method else None
        why = why or MAIL_FUNCTIONS.get(name)
        if why:
            problems.append(
                f"{module.path}:{call.lineno}: `{_shown(call)}` {why}; {role} only read. {fix}"
            )
    return problems


def static_sql(node: ast.expr) -> str | None:
    """The static text of a literal SQL argument ("SELECT …", f-strings, "…" % x,
    "…".format(x), "…" + x, sql.SQL("…")); None when it is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return value.decode(errors="replace") if isinstance(value, bytes) else value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    if isinstance(node, ast.BinOp):
        return static_sql(node.left)
    if isinstance(node, ast.Call):
        name, is_method = _call_name(node)
        if is_method and name == "format":
            return static_sql(node.func.value)
        if name == "SQL" and node.args:
            return static_sql(node.args[0])
    return None


def sql_problem(sql: str) -> str | None:
    """Why a statement does not only read, or None."""
    text = sql
    while True:  # leading whitespace, parentheses and comments
        stripped = text.lstrip().lstrip("(").lstrip()
        if stripped.startswith("--"):
            stripped = stripped.partition("\n")[2]
        elif stripped.startswith("/*"):
            stripped = stripped.partition("*/")[2]
        if stripped == text:
            break
        text = stripped
    keyword = re.match(r"\w*", text).group().upper()
    if keyword not in READ_SQL_KEYWORDS:
        return f"starts with {keyword or repr(text[:20])}, not {' or '.join(READ_SQL_KEYWORDS)}"
    write = WRITE_SQL.search(text)
    if write:
        return f"contains {' '.join(write.group().split()).upper()}"
    return None


def _role_modules(modules: Mapping[str, Module], filename: str, apps: Iterable[str]):
    """The modules of a role: ``<app>/pages.py``, or any module of a ``<app>/pages/``
    package when the role has grown to one module per family."""
    apps, folder = set(apps), "/" + filename.removesuffix(".py") + "/"
    return [
        m
        for m in modules.values()
        if m.app in apps and (m.path.endswith("/" + filename) or folder in m.path)
    ]


def _writing_imports(module: Module, apps: Sequence[str], role: str) -> list[str]:
    """A selector or page builder imports no module that writes or schedules
    (WRITING_MODULES of any project app, by statement or by string)."""
    problems = []
    for imp in imports_of(module, apps):
        hits = sorted(
            {
                ".".join(parts[:2])
                for parts in (target.split(".") for target in imp.targets)
                if len(parts) > 1 and parts[0] in apps and parts[1] in WRITING_MODULES
            }
        )
        for hit in hits:
            problems.append(
                f"{imp.where}: `{imp.text}` imports {hit} "
                f"({WRITING_MODULES[hit.split('.')[1]]}); {role} only read, and what they "
                "import they call. Let the view (or a service) call it; if what you need "
                "there only reads or computes, move it out of the writing module (into "
                "models.py, a selector, a pure module)."
            )
    return problems


def _sql_argument(call: ast.Call) -> ast.expr | None:
    """The SQL a call passes (first, or by one of SQL_KEYWORDS; ``**kwargs`` may hide it)."""
    found = _argument(call, 0, *SQL_KEYWORDS)
    if found is None:
        found = next((kw.value for kw in call.keywords if kw.arg is None), None)
    return found


def check_selectors(modules: Mapping[str, Module], app_order: Sequence[str]) -> list[str]:
    """selectors.py reads: no ORM or collection writes, no mail or tasks, no import of a
    module that writes, SQL written in the call that SELECTs, no COPY."""
    fix = (
        "A database write, mail or task goes in the app's services.py; a local dict or set "
        "is built whole instead ({**row, 'key': value}, a comprehension)."
    )
    problems = []
    for module in _role_modules(modules, "selectors.py", app_order):
        problems += _write_calls(module, "selectors", fix)
        problems += _writing_imports(module, app_order, "selectors")
        for call in _calls(module):
            name, is_method = _call_name(call)
            if not is_method:
                continue
            where = f"{module.path}:{call.lineno}: `{_shown(call)}`"
            # ``frame.copy()`` / ``dict.copy()`` read; a psycopg 3 ``copy`` takes its statement.
            if name in OPAQUE_SQL_METHODS and (name != "copy" or call.args or call.keywords):
                problems.append(
                    f"{where} {OPAQUE_SQL_METHODS[name]}; selectors only read, with SQL the "
                    "check can read. Run it from a service, or write the read as a "
                    'cursor.execute("SELECT …") or a queryset.'
                )
                continue
            argument = _sql_argument(call) if name in SQL_METHODS else None
            if argument is None:
                continue
            sql = static_sql(argument)
            if sql is None:
                problems.append(
                    f"{where}: the SQL is `{ast.unparse(argument)[:40]}`, not written in the "
                    "call, so it cannot be checked. Write the statement in the call so it can "
                    'be checked (a string, an f-string, sql.SQL("…")), and keep it a read.'
                )
                continue
            why = sql_problem(sql)
            if why:
                problems.append(
                    f"{where}: the SQL {why}; selectors only read. Move the statement into a "
                    "service (services.py)."
                )
    return problems


def check_pages(modules: Mapping[str, Module], app_order: Sequence[str]) -> list[str]:
    """pages.py builds a page's data: no writes, no raw SQL, no HTTP."""
    problems = []
    for module in _role_modules(modules, "pages.py", app_order):
        fix = (
            "A database write, mail or task goes in a service the view calls; a local dict or "
            "set is built whole instead ({**row, 'key': value}, a comprehension)."
        )
        problems += _write_calls(module, "page builders", fix)
        problems += _writing_imports(module, app_order, "page builders")
        for call in _calls(module):
            name, is_method = _call_name(call)
            if is_method and name in RAW_SQL_CALLS:
                problems.append(
                    f"{module.path}:{call.lineno}: `{_shown(call)}` {RAW_SQL_CALLS[name]}; raw "
                    "SQL lives in selectors. Move the query into a selector and call it."
                )
        for imp in imports_of(module):
            hits = sorted(
                http
                for http in HTTP_MODULES
                if any(t == http or t.startswith(http + ".") for t in imp.targets)
            )
            for http in hits:
                problems.append(
                    f"{imp.where}: `{imp.text}`: {HTTP_MODULES[http]}. Page builders speak no "
                    "HTTP: do it in the view and pass the page builder plain values."
                )
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            for param in params:
                if param is not None and param.arg in HTTP_PARAMETERS:
                    owner = getattr(node, "name", "lambda")
                    problems.append(
                        f"{module.path}:{param.lineno}: {owner}() takes `{param.arg}`: page "
                        f"builders speak no HTTP; {HTTP_PARAMETERS[param.arg]}."
                    )
    return problems


# --- 6. Pure modules stay pure -------------------------------------------------------------


def _loads(imp: Import, modules: Mapping[str, Module]) -> list[str]:
    """The project modules a statement runs: each package on the way, then the module."""
    loaded = []
    for target in imp.targets:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in modules and name not in loaded:
                loaded.append(name)
    return loaded


def _parents(module: Module, modules: Mapping[str, Module]) -> list[str]:
    parts = module.name.split(".")
    return [
        ".".join(parts[:i])
        for i in range(1, len(parts))
        if ".".join(parts[:i]) in modules and ".".join(parts[:i]) != module.name
    ]


def _django_import(imp: Import) -> str | None:
    hits = [top for top in imp.top_levels if top in DJANGO_PACKAGES]
    return hits[0] if hits else None


def _edges(module: Module, modules: Mapping[str, Module]) -> list[tuple[str, str]]:
    """(step description, project module) for everything importing ``module`` runs."""
    edges = [(f"{module.path} sits in package {p}", p) for p in _parents(module, modules)]
    for imp in imports_of(module):
        edges += [(f"{imp.where} `{imp.text}`", name) for name in _loads(imp, modules)]
    return edges


def _path_to_django(
    start: str, modules: Mapping[str, Module], known: Iterable[str] = ()
) -> list[str] | None:
    """The shortest chain of steps from project module ``start`` to a Django import, not
    through the ``known`` modules (the checked module's packages, reported on their own)."""
    if start in known:
        return None
    came_from: dict[str, tuple[str, str] | None] = {name: None for name in known}
    came_from[start] = None
    queue = deque([start])
    while queue:
        name = queue.popleft()
        direct = next((imp for imp in imports_of(modules[name]) if _django_import(imp)), None)
        if direct:
            steps = [f"{direct.where} `{direct.text}`"]
            while came_from[name]:
                step, name = came_from[name]
                steps.append(step)
            return steps[::-1]
        for step, nxt in _edges(modules[name], modules):
            if nxt not in came_from:
                came_from[nxt] = (step, name)
                queue.append(nxt)
    return None


def check_purity(modules: Mapping[str, Module], pure_modules: Iterable[str]) -> list[str]:
    """Pure modules import no Django, directly or through any project module."""
    patterns = list(pure_modules)
    fix = (
        "Pure modules take numbers and frames: move the Django part into a selector or "
        "service and pass its result in."
    )
    problems = []
    for module in modules.values():
        if not any(fnmatch.fnmatchcase(module.path, pattern) for pattern in patterns):
            continue
        parents = _parents(module, modules)
        for parent in parents:
            chain = _path_to_django(parent, modules)
            if chain:
                problems.append(
                    f"{module.path}:1: its package {parent} loads Django: "
                    + " -> ".join(chain)
                    + f". {fix}"
                )
        for imp in imports_of(module):
            django = _django_import(imp)
            if django:
                problems.append(
                    f"{imp.where}: `{imp.text}` imports {django} ({DJANGO_PACKAGES[django]}) "
                    f"into a pure module. {fix}"
                )
                continue
            for name in _loads(imp, modules):
                # Its packages are loaded with the module itself: reported above.
                chain = _path_to_django(name, modules, known=parents)
                if chain:
                    problems.append(
                        f"{imp.where}: `{imp.text}` loads Django through {name}: "
                        + " -> ".join(chain)
                        + f". {fix}"
                    )
                    break
    return problems


# --- 7. Templates never read a snapshot's details ------------------------------------------


def template_files(root: Path, packages: Iterable[str]) -> list[tuple[str, str]]:
    """(path, text) of every file under the project's ``templates`` folders."""
    folders = [root / "templates"] + [
        folder
        for package in packages
        for folder in sorted((root / package).rglob("templates"))
        if not SKIPPED_DIRS.intersection(folder.relative_to(root).parts)
    ]
    return [
        (path.relative_to(root).as_posix(), path.read_text(encoding="utf-8", errors="replace"))
        for folder in folders
        if folder.is_dir()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def template_variables(line: str, attribute: str) -> list[str]:
    """The variable paths in the template code of ``line`` (``{{ … }}``, ``{% … %}``; quoted
    strings left out) that reach ``attribute``: ``a.attribute`` or ``a.attribute.b``."""
    path = re.compile(rf"(?<![\w.])[A-Za-z_]\w*(?:\.\w+)*?\.{re.escape(attribute)}\b")
    return [
        found
        for code in TEMPLATE_CODE.findall(line)
        for found in path.findall(TEMPLATE_STRING.sub('""', code))
    ]


def check_templates(files: Iterable[tuple[str, str]]) -> list[str]:
    """No template variable reaches a TEMPLATE_FORBIDDEN attribute (HTML and prose are not
    template code: ``<details>`` and the word "details" pass)."""
    problems = []
    for path, text in files:
        for number, line in enumerate(text.splitlines(), start=1):
            for attribute, fix in TEMPLATE_FORBIDDEN.items():
                variables = template_variables(line, attribute)
                if variables:
                    problems.append(
                        f"{path}:{number}: `{line.strip()}` reads `{variables[0]}`: {fix}."
                    )
    return problems


# --- The project ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_order() -> list[str]:
    return project_apps(settings.INSTALLED_APPS)


@pytest.fixture(scope="module")
def project(app_order) -> dict[str, Module]:
    return load_project(ROOT, [*app_order, WIRING])


def _fail(problems: list[str], rule: str):
    if problems:
        pytest.fail(f"{rule}: {len(problems)} violation(s)\n" + "\n".join(problems), pytrace=False)


def test_the_walk_sees_the_whole_project(app_order, project):
    """Every package in the checkout is an app in INSTALLED_APPS or the wiring, and each
    holds modules: a package the walk misses would escape every rule."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - SKIPPED_DIRS
    assert packages == {*app_order, WIRING}, "add the package to INSTALLED_APPS (in order)"
    for package in packages:
        assert any(m.app == package for m in project.values()), package
    for pattern in PURE_MODULES:
        assert any(fnmatch.fnmatchcase(m.path, pattern) for m in project.values()), pattern
    # get_model("label", …) and "label.Model" are read as imports of package ``label``.
    labels = {config.name: config.label for config in django_apps.get_app_configs()}
    assert {app: labels[app] for app in app_order} == {app: app for app in app_order}, (
        "an app label differs from its package: map labels to packages in string_import_targets"
    )


def test_imports_go_down_only(project, app_order):
    _fail(check_layers(project, app_order), "1. Imports go down only")


def test_no_cycle_between_apps(project, app_order):
    _fail(check_cycles(project, app_order), "2. No cycle between apps")


def test_function_level_imports_carry_their_reason(project):
    _fail(check_lazy_import_reasons(project), "3. Function-level imports carry their reason")


def test_selectors_only_read(project, app_order):
    _fail(check_selectors(project, app_order), "4. Selectors only read")


def test_page_builders_neither_speak_http_nor_write(project, app_order):
    _fail(check_pages(project, app_order), "5. Page builders neither speak HTTP nor write")


def test_pure_modules_stay_pure(project):
    _fail(check_purity(project, PURE_MODULES), "6. Pure modules stay pure")


def test_templates_never_read_a_snapshots_details(app_order):
    files = template_files(ROOT, [*app_order, WIRING])
    assert files, "no template found: is ROOT right?"
    _fail(check_templates(files), "7. Templates never read a snapshot's details")


# --- Self-tests: each rule fails when it should --------------------------------------------

APPS = ["core", "portfolio", "reliability", "scores"]


def _lines(problems: list[str]) -> set[str]:
    """The ``path:line`` each problem starts with."""
    return {problem.split(": ", 1)[0] for problem in problems}


def test_relative_imports_resolve_to_absolute_names():
    modules = synthetic(
        {
            "scores/figures/__init__.py": "from . import site\n",
            "scores/figures/site.py": "from .. import models\nfrom .finance import total\n",
            "scores/figures/finance.py": "from ..snapshot import Detail\n",
        }
    )
    package, site, finance = modules.values()
    assert imports_of(package)[0].targets == ("scores.figures", "scores.figures.site")
    assert [imp.targets for imp in imports_of(site)] == [
        ("scores", "scores.models"),
        ("scores.figures.finance", "scores.figures.finance.total"),
    ]
    assert imports_of(finance)[0].top_levels == ["scores"]


def test_layers_check_reports_an_upward_import():
    modules = synthetic(
        {
            "portfolio/audit.py": """\
                from core import dates
                from portfolio import models

                def tracked():
                    from scores.models import Proposal  # registered below
                    import reliability.models
            """,
            "core/charts.py": "from config.settings import base\n",
            "scores/figures/site.py": "from .. import models\nfrom . import finance\n",
            "config/urls.py": "import scores.views\n",
        }
    )
    problems = check_layers(modules, APPS)
    assert _lines(problems) == {"portfolio/audit.py:5", "portfolio/audit.py:6", "core/charts.py:1"}
    assert "imports scores (#4)" in problems[0] and "imports the wiring" in problems[2]


def test_layers_check_counts_imports_by_string():
    """importlib, __import__, import_string, get_model and a relation's "app.Model" are
    imports; strings naming no project app, and non-literal arguments, are not."""
    modules = synthetic(
        {
            "portfolio/models.py": """\
                import importlib
                from django.apps import apps
                from django.conf import settings
                from django.db import models
                from django.utils.module_loading import import_string

                class Site(models.Model):
                    proposal = models.ForeignKey("scores.Proposal", on_delete=models.CASCADE)
                    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
                    parent = models.ForeignKey("self", on_delete=models.CASCADE)
                    line = models.OneToOneField("portfolio.Line", on_delete=models.CASCADE)
                    group = models.ForeignKey(to="auth.Group", on_delete=models.CASCADE)
                    tags = models.ManyToManyField(to="reliability.Tag")
                    users = models.ManyToManyField("core.User", through="scores.Membership")
                    same = models.ForeignKey("Line", on_delete=models.CASCADE)

                def load(name):
                    importlib.import_module("scores.figures")
                    importlib.import_module(name)
                    __import__("reliability.metrics")
                    __import__("core", fromlist=["dates"])
                    import_string("scores.figures.finance.total")
                    import_string(f"scores.{name}")
                    apps.get_model("reliability", "Asset")
                    apps.get_model("reliability.Asset")
                    apps.get_model("auth", "User")
                    apps.get_app_config("portfolio").get_model("Site")
                    importlib.import_module("config.settings")
                    importlib.import_module(".figures", package="scores")
                    __import__("django.db")
            """,
        }
    )
    problems = check_layers(modules, APPS)
    assert _lines(problems) == {
        f"portfolio/models.py:{n}" for n in (8, 13, 14, 18, 20, 22, 24, 25, 28, 29)
    }
    assert "imports scores (#4)" in problems[0] and "imports the wiring" in problems[-2]


def test_cycles_check_counts_imports_by_string():
    modules = synthetic(
        {
            "core/a.py": 'import importlib\nmodule = importlib.import_module("portfolio.b")\n',
            "portfolio/b.py": "from core import a\n",
        }
    )
    problems = check_cycles(modules, APPS)
    assert len(problems) == 1 and problems[0].startswith("cycle core -> portfolio -> core")
    assert "core/a.py:2 `importlib.import_module('portfolio.b')`" in problems[0]


def test_cycles_check_reports_the_cycle():
    modules = synthetic(
        {
            "core/a.py": "def f():\n    from portfolio import b\n",
            "portfolio/b.py": "import reliability.c\n",
            "reliability/c.py": "from core import a\n",
            "scores/d.py": "from core import a\n",
        }
    )
    problems = check_cycles(modules, APPS)
    assert len(problems) == 1
    assert problems[0].startswith("cycle core -> portfolio -> reliability -> core")
    assert "core/a.py:2" in problems[0] and "reliability/c.py:1" in problems[0]
    assert check_cycles(synthetic({"scores/d.py": "from core import a\n"}), APPS) == []


def test_lazy_imports_check_wants_a_reason():
    modules = synthetic(
        {
            "core/lazy.py": """\
                import os

                def bare():
                    import json

                def above():
                    # plotly is slow to import: only the chart pages pay for it
                    import plotly
                    from plotly import graph_objects

                def trailing():
                    import numpy  # numpy is heavy; only this path needs it

                def pragma_only():
                    import csv  # noqa: F401

                def not_a_comment():
                    "# a string, not a comment"
                    import decimal
            """,
            "core/apps.py": """\
                from typing import TYPE_CHECKING

                from django.apps import AppConfig

                if TYPE_CHECKING:
                    from core.models import Thing

                class CoreConfig(AppConfig):
                    def ready(self):
                        from core import receivers

                    def other(self):
                        from core import signals

                def helper():
                    if TYPE_CHECKING:
                        from core.models import Other
            """,
        }
    )
    problems = check_lazy_import_reasons(modules)
    assert _lines(problems) == {
        "core/lazy.py:4",
        "core/lazy.py:15",
        "core/lazy.py:19",
        "core/apps.py:13",
    }


def test_selectors_check_reports_writes():
    modules = synthetic(
        {
            "portfolio/selectors.py": """\
                from django.core.mail import send_mail

                def rows(site, cursor):
                    site.save()
                    Site.objects.filter(id=1).update(name="x")
                    pattern = {}
                    pattern.update(a=1)
                    cursor.execute("SELECT 1")
                    cursor.execute(f"  (WITH t AS (SELECT {site}) SELECT * FROM t)")
                    cursor.execute(f"DELETE FROM {site}")
                    cursor.execute("SELECT * FROM t FOR UPDATE")
                    cursor.execute(SQL)
                    send_mail("s", "m", "a", ["b"])
                    recompute.delay(site.id)
                    return Site.objects.select_for_update().get(id=1)
            """,
            "portfolio/services.py": "def write(site):\n    site.save()\n",
        }
    )
    problems = check_selectors(modules, APPS)
    assert _lines(problems) == {
        f"portfolio/selectors.py:{n}" for n in (4, 5, 7, 10, 11, 12, 13, 14, 15)
    }
    assert any("starts with DELETE" in p for p in problems)
    assert any("contains FOR UPDATE" in p for p in problems)
    assert any(
        p.startswith("portfolio/selectors.py:12") and "cannot be checked" in p for p in problems
    )


def test_selectors_check_wants_sql_it_can_read_and_no_copy():
    modules = synthetic(
        {
            "reliability/selectors/__init__.py": "",
            "reliability/selectors/sql.py": """\
                from psycopg2 import sql

                def rows(cursor, table, query):
                    cursor.execute("SELECT 1")
                    cursor.execute(sql.SQL("SELECT * FROM {}").format(table))
                    cursor.execute(query)
                    cursor.executemany(QUERIES[0], [])
                    cursor.execute(table + " WHERE 1")
                    cursor.execute(sql="SELECT 1")
                    cursor.execute(**query)
                    cursor.copy_expert("COPY t TO STDOUT", out)
                    cursor.copy_from(out, "t")
                    cursor.copy_to(out, "t")
                    with cursor.copy("COPY t FROM STDIN") as copy:
                        pass
                    cursor.callproc("recompute")
                    Site.objects.raw("SELECT * FROM portfolio_site")
                    Site.objects.raw("  WITH t AS (SELECT 1) SELECT * FROM t")
                    Site.objects.raw("DELETE FROM portfolio_site RETURNING *")
                    Site.objects.raw(raw_query=f"UPDATE {table} SET x = 1 RETURNING *")
                    Site.objects.raw(query)
                    return sql.SQL("INSERT")  # built, not run: no problem
            """,
        }
    )
    problems = check_selectors(modules, APPS)
    path = "reliability/selectors/sql.py"
    assert _lines(problems) == {
        f"{path}:{n}" for n in (6, 7, 8, 10, 11, 12, 13, 14, 16, 19, 20, 21)
    }
    unread = [p for p in problems if "cannot be checked" in p]
    assert _lines(unread) == {f"{path}:{n}" for n in (6, 7, 8, 10, 21)}
    assert any(p.startswith(f"{path}:19") and "starts with DELETE" in p for p in problems)
    assert any(p.startswith(f"{path}:20") and "starts with UPDATE" in p for p in problems)


def test_selectors_and_pages_import_no_module_that_writes():
    """A write through an import: services, tasks, scheduling, receivers, alerting, rollups,
    absolute, relative, any app, by statement or by string."""
    modules = synthetic(
        {
            "portfolio/selectors.py": """\
                import importlib

                from portfolio import models, services
                from portfolio.services import write
                from .tasks import recompute
                from . import receivers as r
                import reliability.alerting
                from reliability.rollups.daily import roll
                from reliability import selectors, charts
                from portfolio.service_levels import levels
                from core.scheduling_days import days

                def later():
                    # the engine is slow to import
                    from reliability import alerting
                    return importlib.import_module("scores.scheduling")
            """,
            "scores/pages/__init__.py": "",
            "scores/pages/site.py": """\
                from .. import services
                from ..selectors import rows
                from scores.tasks import recompute_site
                from scores.figures import finance
            """,
            "scores/services.py": "from scores import tasks\n",
            "scores/views.py": "from scores import services\n",
        }
    )
    selectors = check_selectors(modules, APPS)
    assert _lines(selectors) == {f"portfolio/selectors.py:{n}" for n in (3, 4, 5, 6, 7, 8, 15, 16)}
    assert "imports portfolio.services (the app's writes live there)" in selectors[0]
    assert len([p for p in selectors if p.startswith("portfolio/selectors.py:3:")]) == 1
    pages = check_pages(modules, APPS)
    assert _lines(pages) == {"scores/pages/site.py:1", "scores/pages/site.py:3"}


def test_pages_check_reports_http_writes_and_sql():
    modules = synthetic(
        {
            "scores/pages.py": """\
                from django.db import connection
                from django.http import Http404
                from django.contrib import messages
                import rest_framework.response

                def build(request, site):
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
                    site.delete()
                    return {**site.details}

                def fine(user, *, query):
                    return dict(query)
            """
        }
    )
    problems = check_pages(modules, APPS)
    assert _lines(problems) == {f"scores/pages.py:{n}" for n in (2, 3, 4, 6, 7, 8, 9)}


def test_pages_check_covers_a_pages_package():
    """A role grown into a package (``scores/pages/site.py``) is held to the same rules."""
    modules = synthetic(
        {
            "scores/pages/__init__.py": "",
            "scores/pages/site.py": """\
                def build(site):
                    site.save()
            """,
        }
    )
    assert _lines(check_pages(modules, APPS)) == {"scores/pages/site.py:2"}


def test_purity_check_follows_project_imports_to_django():
    modules = synthetic(
        {
            "core/__init__.py": "",
            "core/dates.py": "import datetime\nfrom core import helpers\n",
            "core/helpers.py": "from core.deeper import x\n",
            "core/deeper.py": "def f():\n    from django.utils import timezone\n",
            "core/language.py": "from django import forms\n",
            "scores/__init__.py": "import django.conf\n",
            "scores/figures/site.py": "import pandas\nfrom . import finance\n",
            "scores/figures/finance.py": "from core import frames\n",
            "core/frames.py": "import numpy\n",
        }
    )
    patterns = ["core/dates.py", "core/language.py", "core/frames.py", "scores/figures/*.py"]
    problems = check_purity(modules, patterns)
    assert _lines(problems) == {
        "core/dates.py:2",
        "core/language.py:1",
        "scores/figures/site.py:1",
        "scores/figures/finance.py:1",
    }
    dates = next(p for p in problems if p.startswith("core/dates.py"))
    assert "core/helpers.py:1" in dates and "core/deeper.py:2" in dates
    site = next(p for p in problems if p.startswith("scores/figures/site.py"))
    assert "its package scores loads Django" in site


def test_templates_check_reports_details():
    files = [
        ("templates/scores/site.html", "<p>{{ page.penalty }}</p>\n{{ snapshot.details.x }}\n"),
        ("templates/scores/other.html", "{{ snapshot.details|length }}\n"),
    ]
    assert _lines(check_templates(files)) == {
        "templates/scores/site.html:2",
        "templates/scores/other.html:1",
    }


def test_templates_check_reports_details_however_reached_and_spares_html():
    text = textwrap.dedent(
        """\
        {% with d=snap.details %}{{ d.x }}{% endwith %}
        <p>{{ snap.details|safe }}</p>
        {{ snap.details }}
        {% for row in page.snapshots.0.details.rows %}{% endfor %}
        {% if snap.details and x %}{% endif %}
        <details class="how"><summary>The details</summary>{{ tile.how }}</details>
        <p>See snap.details for the details.</p>
        {% translate "snap.details" %} {{ page.details_url }} {{ details }} {{ x.detailed }}
        {# a comment: {{ snap.details }} #} {{ s.details_count }}
        """
    )
    problems = check_templates([("templates/scores/site.html", text)])
    assert _lines(problems) == {f"templates/scores/site.html:{n}" for n in (1, 2, 3, 4, 5, 9)}
    assert "reads `snap.details`" in problems[0]
    assert "reads `page.snapshots.0.details`" in problems[3]
