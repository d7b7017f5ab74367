"""Security headers on every response, and pages that work under the strict CSP: no inline
script or style, nothing loaded from another origin."""

from html.parser import HTMLParser

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

# Script types the browser does not execute, so CSP does not apply (data blocks).
DATA_SCRIPT_TYPES = {"application/json"}


def directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


class CSPAudit(HTMLParser):
    """Collects what a strict CSP would block or what would load from elsewhere."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in {"src", "href", "action"} and value:
                if value.startswith(("http://", "https://", "//")):
                    self.problems.append(f"external {name}={value}")
                if value.strip().lower().startswith("javascript:"):
                    self.problems.append(f"javascript: URL in <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        inline = tag == "script" and "src" not in attributes
        if inline and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append("inline <script>")


def csp_problems(html: str) -> list[str]:
    audit = CSPAudit()
    audit.feed(html)
    return audit.problems


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


# --- Headers --------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_page_has_the_security_headers(client):
    """A normal page carries the CSP (default-src 'self', no inline script), DENY framing
    and nosniff."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_api_responses_have_the_security_headers_too():
    """The API's 401 carries the same headers as pages."""
    response = APIClient().get("/api/v1/sites/")
    assert response.status_code == 401
    assert directives(response)["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Pages under the CSP --------------------------------------------------------------
@pytest.mark.django_db
def test_admin_login_works_under_the_csp(client):
    """The admin sign-in page uses only same-origin files: nothing the CSP blocks."""
    response = client.get("/admin/login/")
    assert csp_problems(response.content.decode()) == []


@pytest.mark.parametrize("url", ["/admin/", "/admin/portfolio/site/", "/admin/portfolio/site/add/"])
def test_admin_pages_work_under_the_csp(client, operator, url):
    """Admin index, changelist and add form load only same-origin scripts and styles."""
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200
    assert csp_problems(response.content.decode()) == []


def test_api_docs_work_under_the_csp(client, operator):
    """The Swagger UI page has no inline script or style and loads nothing from elsewhere."""
    client.force_login(operator)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert csp_problems(response.content.decode()) == []
    assert directives(response)["script-src"] == ["'self'"]
