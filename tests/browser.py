"""Headless Chromium for browser tests: Debian's chromium and chromedriver, driven by Selenium.

Nothing is downloaded: the driver is named in ``Service`` (so Selenium Manager is never
asked for one) and ``SE_OFFLINE`` is set in case it is. Without the browser the tests that
need it are skipped with a visible reason; under CI=true that skip would hide untested
behaviour, so it fails instead (the policy of the ``broker_url`` fixture).

    @pytest.fixture
    def browser():
        with chromium() as driver:
            yield driver
"""

import base64
import contextlib
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 10  # the longest any page or element may take before a test fails


def missing() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium: pip install 'selenium>=4.20,<5'"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (path.is_file() and os.access(path, os.X_OK)):
            return f"needs headless Chromium: {path} is missing (apt-get install {package})"
    return None


def require_chromium() -> None:
    """Skip the calling test when there is no browser; fail instead under CI=true."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but this browser test cannot run: it {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def chromium(*, width: int = 1280, height: int = 900):
    """A fresh headless Chromium (its own profile), quit on exit.

    Its console is recorded at every level: read it with :func:`console_errors`.
    """
    require_chromium()
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-search-engine-choice-screen",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(WAIT_SECONDS * 3)
        yield driver
    finally:
        driver.quit()


def wait_until(driver, condition, what: str, seconds: float = WAIT_SECONDS):
    """``condition(driver)``'s first true value within ``seconds``; else an AssertionError
    saying what was awaited and where the browser is, with the start of the page's text."""
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(condition)
    except TimeoutException as exc:
        try:
            shown = driver.execute_script("return document.body ? document.body.innerText : ''")
        except WebDriverException:
            shown = "(unreadable)"
        raise AssertionError(
            f"waited {seconds} s for {what}; the browser is at {driver.current_url}, "
            f"showing {' '.join(str(shown).split())[:400]!r}"
        ) from exc


def sign_in(driver, base_url: str, username: str, password: str) -> None:
    """Sign in through the real /accounts/login/ form, as a person would."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/accounts/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/accounts/login/'] [type=submit]").click()

    def signed_in(d):
        names = d.find_elements(By.CSS_SELECTOR, ".site-header .username")
        return bool(names) and names[0].text == username

    wait_until(driver, signed_in, f"{username} to be signed in")


def console_errors(driver, *, expected: tuple[str, ...] = ()) -> list[str]:
    """SEVERE console entries since the last call (script errors, CSP violations, failed
    loads), less those matching one of the ``expected`` regular expressions."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not any(re.search(p, e["message"]) for p in expected)
    ]


def save_page_screenshot(driver, path: Path) -> Path:
    """A PNG of the whole page, below the fold too (Chromium's DevTools capture at the
    window's width), written to ``path`` (its folder is made)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
