"""The menu shows each person the items they can use: every link it offers opens a page
that serves them, and "Data in" only to those who may load data. The demo's people are the
executive (vp, also the operator), the director, the site manager and the technician."""

import re

import pytest

from tests.factories import UserFactory
from tests.people import client_for

REFUSALS = ("You may not", "Page not found", "Forbidden")


def menu_of(page) -> dict[str, str]:
    """The menu's items: their words and addresses."""
    nav = re.search(r'<nav class="account">(.*?)</nav>', page.content.decode(), re.S).group(1)
    return {words: href for href, words in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)}


@pytest.fixture
def operator_client(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def client_as(world, name, operator_client):
    return operator_client if name == "operator" else client_for(world, name)


@pytest.mark.parametrize(
    ("name", "items"),
    [
        ("tech_a", ["Dashboard", "Alerts", "Notifications"]),
        ("manager_a", ["Dashboard", "Alerts", "Notifications", "Data in"]),
        ("director_p", ["Dashboard", "Alerts", "Notifications"]),
        ("executive", ["Dashboard", "Alerts", "Notifications"]),
        ("operator", ["Dashboard", "Alerts", "Notifications", "Data in", "Admin"]),
    ],
)
def test_each_role_sees_the_items_it_can_use(world, operator_client, name, items):
    page = client_as(world, name, operator_client).get("/alerts/")
    assert list(menu_of(page)) == items


@pytest.mark.parametrize("name", ["tech_a", "manager_a", "director_p", "executive", "operator"])
def test_every_menu_item_opens_a_page_that_serves_its_reader(world, operator_client, name):
    """No item leads to a refusal ("You may not load data" was the technician's)."""
    client = client_as(world, name, operator_client)
    for words, href in menu_of(client.get("/alerts/")).items():
        response = client.get(href, follow=True)
        assert response.status_code == 200, f"{words} for {name}"
        text = response.content.decode()
        assert not any(refusal in text for refusal in REFUSALS), f"{words} for {name}"
        if words == "Data in":
            assert 'id="upload-form"' in text


@pytest.mark.parametrize("name", ["tech_a", "manager_a", "director_p", "executive"])
def test_signed_in_people_find_the_api_docs(world, name):
    client = client_for(world, name)
    page = client.get("/alerts/").content.decode()
    link = re.search(r'<a href="([^"]+)" id="api-docs-link">', page)
    assert link and link.group(1) == "/api/docs/"
    assert client.get(link.group(1)).status_code == 200


def test_the_sign_in_page_links_no_api_docs(db, client):
    assert b"api-docs-link" not in client.get("/accounts/login/").content
