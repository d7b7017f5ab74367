"""The pages on a 390 px phone screen: the header wraps (Sign out stays on screen), wide
tables scroll inside their own box and the page never scrolls sideways; and the hidden
attribute always hides (the idle upload form showed "Uploading 0 %").

Uses the small demo that tests/scores/test_browser.py loads and serves once per module.
"""

import pytest
from django.urls import reverse

from tests.browser import chromium, sign_in
from tests.scores.test_browser import HOME_SITE, PORTFOLIO, demo  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": False}
PAGE_WIDTH = "return document.documentElement.scrollWidth"
SIGN_OUT_RIGHT = (
    "return document.querySelector('.site-header button[type=submit]')"
    ".getBoundingClientRect().right"
)


def phone(driver):
    # A headless window cannot be narrower than 500 px; the viewport can.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    return driver


def pages(demo_rows) -> list[str]:  # noqa: F811 - the fixture's value
    return [
        reverse("scores:portfolio", args=[PORTFOLIO]),
        reverse("scores:translation", args=[PORTFOLIO]),
        reverse("scores:standard", args=[PORTFOLIO]),
        reverse("scores:capital-plan", args=[PORTFOLIO]),
        reverse("scores:site", args=[HOME_SITE]),
        reverse("asset", args=[demo_rows.asset]),
        reverse("scores:relationship", args=[demo_rows.relationship]),
        reverse("reliability:alerts"),
        reverse("notifications"),
        reverse("ingest:batches"),
        "/no-such-page/",
    ]


def test_no_page_scrolls_sideways_at_390_px(demo):  # noqa: F811
    wide = {}
    with chromium() as driver:
        sign_in(phone(driver), demo.url, "vp", "demo")
        for path in pages(demo):
            driver.get(demo.url + path)
            width = driver.execute_script(PAGE_WIDTH)
            sign_out = driver.execute_script(SIGN_OUT_RIGHT)
            if width > PHONE["width"] or sign_out > PHONE["width"]:
                wide[path] = (width, sign_out)
    assert wide == {}


def test_the_hidden_attribute_hides_whatever_the_class_says(demo):  # noqa: F811
    display = """
        var box = document.createElement("div");
        box.className = "batch-progress";  // display:flex, no rule of its own for hidden
        box.hidden = true;
        document.body.appendChild(box);
        return [getComputedStyle(box).display,
                getComputedStyle(document.getElementById("upload-progress")).display];
    """
    with chromium() as driver:
        sign_in(driver, demo.url, "manager", "demo")
        driver.get(demo.url + reverse("ingest:batches"))
        assert driver.execute_script(display) == ["none", "none"]
