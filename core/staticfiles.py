"""plotly.js from the ``plotly`` package, served as our own static files (no CDN).

Two files are exposed, under ``vendor/``:

* ``plotly.min.js``: the package's bundle, as it is;
* ``plotly.css``: the style rules plotly.js would otherwise inject as an inline
  ``<style>`` element, which our CSP (``style-src 'self'``) refuses. They are read out of
  the installed bundle (one table of selector → declarations), so they always match it;
  the page links them with ``id="plotly.js-style-global" class="no-inline-styles"``, the
  marker plotly.js checks before injecting its own.

The bundle also injects one <style> of its own (MapLibre's, for map traces, which we do not
draw) unless an element with that style's id is on the page: ``injected_style_ids`` reads
those ids out of the bundle so ``includes/plotly.html`` can place them.

The package's other data files (datasets, templates) stay private. The browser caches both
files once; pages carry only their figures' JSON.
"""

import json
import os
import re
import tempfile
from functools import cache
from pathlib import Path

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
PLOTLY_CSS = "vendor/plotly.css"
_PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
# The rules table starts with the graph container's own selector.
_RULES_START = '{"X,X div":'
_SELECTOR_NAMES = {"X": ".js-plotly-plot .plotly", "Y": ".plotly-notifier"}


def plotly_css(bundle: str) -> str:
    """The CSS text of the rules table in ``bundle`` (plotly.js's ``plotcss``), with its
    placeholders X and Y expanded as plotly.js expands them."""
    start = bundle.find(_RULES_START)
    if start < 0:
        raise ValueError("plotly.js style rules not found in the bundle")
    rules, _ = json.JSONDecoder().raw_decode(_quoted(bundle, start))
    lines = []
    for selector, declarations in rules.items():
        full = re.sub(r"^,", " ,", selector)
        for placeholder, name in _SELECTOR_NAMES.items():
            full = full.replace(placeholder, name)
        lines.append(f"{full} {{{declarations}}}")
    return "\n".join(lines) + "\n"


_TOKEN = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*)|([{}:,])""")


def _quoted(bundle: str, start: int) -> str:
    """The object literal at ``start`` as JSON: minified JS may quote a value with ' and
    leave a key bare (``Y:``)."""
    end = bundle.index("}", bundle.index('"Y .notifier-close:hover"', start)) + 1
    parts = []
    for match in _TOKEN.finditer(bundle, start, end):
        double, single, bare, punctuation = match.groups()
        if punctuation:
            parts.append(punctuation)
        else:
            text = double if double is not None else single if single is not None else bare
            parts.append(json.dumps(text))
    return "".join(parts)


_INJECTED_STYLE = re.compile(
    r'getElementById\("([0-9a-f]{16,})"\)\)\{var (\w+)=document\.createElement\("style"\)'
)


def injected_style_ids(bundle: str) -> list[str]:
    """The ids of the <style> elements ``bundle`` adds at load unless the id is present."""
    return sorted({match.group(1) for match in _INJECTED_STYLE.finditer(bundle)})


@cache
def plotly_style_guards() -> list[str]:
    """``injected_style_ids`` of the installed bundle (read once)."""
    return injected_style_ids((_PACKAGE_DATA / "plotly.min.js").read_text(encoding="utf-8"))


@cache
def _css_folder() -> Path:
    """A folder holding plotly.css for this plotly version, written once."""
    folder = Path(settings.BASE_DIR) / ".data" / f"plotly-{plotly.__version__}"
    target = folder / "plotly.css"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        text = plotly_css((_PACKAGE_DATA / "plotly.min.js").read_text(encoding="utf-8"))
        # A file of its own per writer, then an atomic rename: the live server's threads
        # (and several processes) may all find the file missing at once.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False
        ) as partial:
            partial.write(text)
        os.replace(partial.name, target)
    return folder


class PlotlyFinder(BaseFinder):
    """Finds ``vendor/plotly.min.js`` and ``vendor/plotly.css`` (see the module text)."""

    def check(self, **kwargs):
        if not (_PACKAGE_DATA / "plotly.min.js").is_file():
            return [Error(f"plotly.min.js not found in {_PACKAGE_DATA}", id="config.E010")]
        return []

    def _files(self) -> dict[str, Path]:
        return {
            PLOTLY_JS: _PACKAGE_DATA / "plotly.min.js",
            PLOTLY_CSS: _css_folder() / "plotly.css",
        }

    def find(self, path, find_all=False, **kwargs):
        found = self._files().get(path)
        if found is None:
            return []
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns):
        for file in self._files().values():
            storage = FileSystemStorage(location=str(file.parent))
            storage.prefix = "vendor"
            yield file.name, storage
