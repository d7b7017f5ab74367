"""The upload page speaks to a plant user: it offers the kinds they may load, the first
chosen, shows each kind's columns from the specs, and gives a template CSV per kind."""

import csv
import io
import re

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest import mappings
from ingest.columns import example_value, field_format, kind_columns
from ingest.fields import Errors, convert
from ingest.kinds import SPECS, loadable_kinds, spec_for
from ingest.models import Kind
from tests.factories import UserFactory
from tests.people import client_for

SITE_KINDS = [kind for kind in Kind.values if not SPECS[kind].operator_only]
OPERATOR_KINDS = [kind for kind in Kind.values if SPECS[kind].operator_only]


@pytest.fixture
def operator(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def offered_kinds(page) -> list[str]:
    return [value for value, _label in page.context["form"].fields["kind"].choices]


def selected_kind(page) -> str:
    select = re.search(r'<select name="kind".*?</select>', page.content.decode(), re.S)
    return re.search(r'<option value="([^"]+)" selected>', select.group(0)).group(1)


def visible_text(page) -> str:
    """The page's text as a reader sees it: no tags, no scripts."""
    html = re.sub(r"<script.*?</script>", "", page.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# --- Which kinds, which first -----------------------------------------------------------


def test_a_site_manager_is_offered_the_kinds_they_may_load_the_first_chosen(world):
    """Portfolios, sites and OEM customers are the operator's: not offered, not chosen."""
    page = client_for(world, "manager_a").get("/ingest/")
    assert offered_kinds(page) == SITE_KINDS
    assert selected_kind(page) == SITE_KINDS[0]
    assert not set(OPERATOR_KINDS) & set(offered_kinds(page))


def test_the_operator_is_offered_every_kind_even_before_any_site_exists(operator):
    """The first portfolios and sites of a new installation are loaded on this page."""
    page = operator.get("/ingest/")
    assert b'id="upload-form"' in page.content
    assert offered_kinds(page) == Kind.values
    assert selected_kind(page) == Kind.values[0]


def test_loadable_kinds_follow_the_roles(world):
    assert loadable_kinds(world.user("manager_a")) == SITE_KINDS
    assert loadable_kinds(world.user("integrator_a")) == SITE_KINDS
    for name in ("tech_a", "director_p", "executive", "anonymous"):
        assert loadable_kinds(world.user(name)) == [], name


def test_an_operator_only_kind_posted_by_a_site_manager_is_refused_on_the_form(world):
    upload = SimpleUploadedFile("s.csv", b"code,name\nx,X\n", content_type="text/csv")
    response = client_for(world, "manager_a").post(
        "/ingest/", {"kind": "oem_customers", "mapping": "canonical", "file": upload}
    )
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors


# --- The columns of each kind, on the page -----------------------------------------------


def test_the_page_shows_each_offered_kinds_columns_from_its_spec(world):
    page = client_for(world, "manager_a").get("/ingest/")
    shown = page.context["kinds_columns"]
    assert [k.kind for k in shown] == SITE_KINDS
    html = page.content.decode()
    for kind in shown:
        spec = spec_for(kind.kind)
        assert [c.name for c in kind.columns] == [f.name for f in spec.fields]
        assert [c.required for c in kind.columns] == [f.required for f in spec.fields]
        assert f'id="columns-{kind.kind}"' in html
        assert f'href="/ingest/templates/{kind.kind}.csv"' in html
        for column in kind.columns:
            assert f"<code>{column.name}</code>" in html
    for kind in OPERATOR_KINDS:
        assert f'id="columns-{kind}"' not in html


def test_the_page_tells_no_developer_instructions(world):
    text = visible_text(client_for(world, "manager_a").get("/ingest/"))
    for words in ("manage.py", "--list-mappings", "docs/ingest.md", "--site"):
        assert words not in text


def test_people_who_may_not_load_see_no_columns_or_templates(world):
    page = client_for(world, "tech_a").get("/ingest/")
    assert page.context["kinds_columns"] == []
    assert b'id="columns"' not in page.content


def test_a_column_says_required_format_and_example():
    columns = {c.name: c for c in kind_columns(Kind.ASSETS).columns}
    tier, foundation = columns["tier"], columns["foundation"]
    assert tier.required and tier.format == "whole number; from 1 to 3"
    assert not foundation.required
    assert foundation.format == "one of: rigid, flexible; may be empty"
    assert columns["is_bottleneck"].format.endswith("empty means false")
    assert columns["installed_on"].example == "2025-03-31"


def test_formats_of_money_and_timestamps_read_as_words(settings):
    settings.INGEST_EARLIEST_DATE = "1990-01-01"
    settings.INGEST_FUTURE_TOLERANCE_SECONDS = 86400
    fields = {f.name: f for f in spec_for(Kind.WORK_ORDERS).fields}
    assert field_format(fields["parts_cost"]) == (
        "number (a point before decimals); may be negative; empty means 0"
    )
    assert field_format(fields["opened_at"]) == (
        "date and time with its UTC offset (Z or +01:00); from 1990-01-01 to now + 1 day"
    )


@pytest.mark.parametrize("kind", Kind.values)
def test_every_example_passes_its_fields_checks(kind):
    """The example row of every kind converts without a refused cell (a site's timezone
    for timestamps, as the canonical mapping would not give one: ours carry their offset)."""
    errors = Errors()
    for f in spec_for(kind).fields:
        convert(pd.Series([example_value(f)], dtype=object), f, errors)
    assert errors.by_row == {}


# --- The template CSVs ------------------------------------------------------------------


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_template_is_the_header_and_one_example_row(world):
    response = client_for(world, "manager_a").get("/ingest/templates/work_orders.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="work_orders-template.csv"' in response["Content-Disposition"]
    header, example = rows_of(response)
    assert header == [f.name for f in spec_for(Kind.WORK_ORDERS).fields]
    assert dict(zip(header, example, strict=True))["site"] == "site-a"  # their own site


def test_a_filled_in_template_loads(world, django_capture_on_commit_callbacks, eager_tasks):
    """The template's row, with the codes of the manager's own site, loads as it is."""
    client = client_for(world, "manager_a")
    header, example = rows_of(client.get("/ingest/templates/work_orders.csv"))
    row = dict(zip(header, example, strict=True))
    row.update(asset="M-1", failure_mode="", changeover_window_start="")
    text = ",".join(header) + "\n" + ",".join(row[name] for name in header) + "\n"
    upload = SimpleUploadedFile("wo.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ingest/", {"kind": "work_orders", "mapping": "canonical", "file": upload}
        )
    assert response.status_code == 302
    batch = client.get(response.url).context["batch"]
    batch.refresh_from_db()
    assert (batch.rows_inserted, batch.rows_rejected) == (1, 0)


def test_templates_only_for_kinds_one_may_load(world, operator):
    manager = client_for(world, "manager_a")
    assert manager.get("/ingest/templates/sites.csv").status_code == 403
    assert manager.get("/ingest/templates/no_such_kind.csv").status_code == 404
    assert client_for(world, "tech_a").get("/ingest/templates/lines.csv").status_code == 403
    assert client_for(world, "anonymous").get("/ingest/templates/lines.csv").status_code == 302
    sites = operator.get("/ingest/templates/sites.csv")
    assert sites.status_code == 200
    assert rows_of(sites)[0] == [f.name for f in spec_for(Kind.SITES).fields]


def test_the_mappings_page_lists_the_shipped_mappings_instead_of_a_command(world):
    page = client_for(world, "manager_a").get("/ingest/mappings/")
    text = visible_text(page)
    for words in ("manage.py", "--list-mappings", "docs/ingest.md"):
        assert words not in text
    for name in mappings.shipped():
        assert f"<td>{name}</td>" in page.content.decode()
