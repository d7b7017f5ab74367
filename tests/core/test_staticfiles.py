"""plotly.js and its style rules are served from the installed package, nothing else is."""

from pathlib import Path

from django.contrib.staticfiles import finders

from core.staticfiles import plotly_css


def test_the_bundle_and_its_rules_are_found():
    js = finders.find("vendor/plotly.min.js")
    css = finders.find("vendor/plotly.css")
    assert js.endswith("plotly/package_data/plotly.min.js")
    rules = Path(css).read_text(encoding="utf-8")
    # The rule that stacks a chart's SVG layers, which the CSP would otherwise block.
    assert ".js-plotly-plot .plotly .main-svg {position:absolute;top:0;left:0;" in rules
    assert ".plotly-notifier {" in rules


def test_the_package_s_other_files_stay_private():
    assert finders.find("vendor/datasets/iris.csv.gz") is None
    assert finders.find("vendor/widgetbundle.js") is None


def test_rules_are_read_from_the_bundle_s_table():
    bundle = (
        'x=1;var t={"X,X div":"margin:0;",\'X .a\':"top:0;",Y:\'color:#fff;\','
        '"Y .notifier-close:hover":"color:#444;"};'
    )
    assert plotly_css(bundle).splitlines() == [
        ".js-plotly-plot .plotly,.js-plotly-plot .plotly div {margin:0;}",
        ".js-plotly-plot .plotly .a {top:0;}",
        ".plotly-notifier {color:#fff;}",
        ".plotly-notifier .notifier-close:hover {color:#444;}",
    ]


def test_the_styles_the_bundle_would_inject_are_guarded():
    from core.staticfiles import injected_style_ids, plotly_style_guards

    bundle = (
        'if(!document.getElementById("9f215cf04c5486422605")){var e=document.createElement('
        '"style");e.id="9f215cf04c5486422605"'
    )
    assert injected_style_ids(bundle) == ["9f215cf04c5486422605"]
    assert len(plotly_style_guards()) >= 1  # the installed bundle's MapLibre style


def test_the_rules_file_is_written_safely_by_concurrent_first_requests(tmp_path, settings):
    """Many threads finding plotly.css missing at once all get the whole file."""
    from concurrent.futures import ThreadPoolExecutor

    from core import staticfiles as staticfinders

    settings.BASE_DIR = tmp_path
    staticfinders._css_folder.cache_clear()
    try:
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(lambda _: staticfinders._css_folder.__wrapped__(), range(16)))
        rules = (found[0] / "plotly.css").read_text(encoding="utf-8")
        assert ".main-svg {position:absolute" in rules
        assert not list(found[0].glob("*.tmp"))
    finally:
        staticfinders._css_folder.cache_clear()
