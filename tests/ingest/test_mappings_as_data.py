"""Mappings kept as data: the API and the browser pages, ``--mapping PATH.json``, and a
batch keeping the mapping it was made with (defect 7 of issue 13)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from ingest import mappings, services
from ingest.models import IngestBatch, Mapping, Status
from reliability.models import WorkOrder
from tests.people import client_for

# A CMMS export with its own names and a local timestamp format.
CMMS_DEFINITION = {
    "columns": {"Plant": "site", "Tag": "asset", "WO": "external_id", "Type": "kind"},
    "value_maps": {"kind": {"CM": "corrective", "PM": "preventive"}},
    "timestamp_format": "%d.%m.%Y %H:%M",
    "timezone": "UTC",
}
CMMS_CSV = (
    "Plant,Tag,WO,Type,opened_at\n"
    "site-a,M-1,W-1,CM,02.11.2026 08:00\n"
    "site-a,M-1,W-2,PM,03.11.2026 09:30\n"
)


def stored(world, name="cmms-a", portfolio="p", definition=None, kind="work_orders"):
    return Mapping.objects.create(
        name=name,
        kind=kind,
        definition=definition or CMMS_DEFINITION,
        portfolio=world.portfolio_p if portfolio == "p" else None,
        owner=world.user("manager_a"),
    )


# --- API ---------------------------------------------------------------------------------


def test_a_site_manager_creates_lists_edits_and_deletes_a_mapping(world):
    client = client_for(world, "manager_a")
    body = {"name": "cmms-a", "kind": "work_orders", "portfolio": "p"}
    created = client.post(
        "/api/v1/ingest/mappings/", {**body, "definition": CMMS_DEFINITION}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["owner"] == "manager_a"
    listed = client.get("/api/v1/ingest/mappings/").json()
    assert [m["name"] for m in listed["results"]] == ["cmms-a"]
    changed = client.patch(
        f"/api/v1/ingest/mappings/{pk}/", {"description": "our CMMS"}, format="json"
    )
    assert changed.status_code == 200 and Mapping.objects.get().description == "our CMMS"
    assert client.delete(f"/api/v1/ingest/mappings/{pk}/").status_code == 204
    assert not Mapping.objects.exists()


@pytest.mark.parametrize(
    "definition, key, words",
    [
        ({"colums": {}}, "definition", "unknown keys ['colums']"),
        ({"units": {"temperature": "furlongs"}}, "definition", "cannot convert 'furlongs'"),
        ({"key": 7}, "definition", "'key' is"),
        ({"kind": "readings"}, "definition", "its 'kind' is 'readings'"),
        ([1, 2], "definition", "a mapping is a JSON object"),
    ],
)
def test_an_invalid_definition_is_refused_naming_the_key(world, definition, key, words):
    response = client_for(world, "manager_a").post(
        "/api/v1/ingest/mappings/",
        {"name": "bad", "kind": "work_orders", "portfolio": "p", "definition": definition},
        format="json",
    )
    assert response.status_code == 400
    assert words in " ".join(response.json()[key])
    assert not Mapping.objects.exists()


def test_a_stored_mapping_may_not_take_a_shipped_name(world):
    response = client_for(world, "manager_a").post(
        "/api/v1/ingest/mappings/",
        {"name": "canonical", "kind": "", "portfolio": "p", "definition": {}},
        format="json",
    )
    assert response.status_code == 400
    assert "shipped mapping" in response.json()["name"][0]


def test_people_who_may_not_keep_a_mapping_are_refused(world):
    mine = stored(world)
    shared = stored(world, name="shared-one", portfolio=None)
    body = {"name": "x", "kind": "work_orders", "definition": CMMS_DEFINITION}
    url = f"/api/v1/ingest/mappings/{mine.pk}/"
    # Anonymous: 401 everywhere.
    anonymous = client_for(world, "anonymous")
    assert anonymous.get("/api/v1/ingest/mappings/").status_code == 401
    assert anonymous.post("/api/v1/ingest/mappings/", body, format="json").status_code == 401
    # A technician may not load data: no create; portfolio P's mapping is not theirs to see.
    tech = client_for(world, "tech_a")
    assert tech.post("/api/v1/ingest/mappings/", body, format="json").status_code == 403
    assert tech.get(url).status_code == 404
    assert tech.patch(url, {"description": "x"}, format="json").status_code == 404
    # The shared mapping is seen by all who may load data (not the technician), kept only
    # by the operator.
    assert tech.get(f"/api/v1/ingest/mappings/{shared.pk}/").status_code == 404
    assert tech.delete(f"/api/v1/ingest/mappings/{shared.pk}/").status_code == 404
    manager = client_for(world, "manager_a")
    assert manager.get(f"/api/v1/ingest/mappings/{shared.pk}/").status_code == 200
    assert manager.delete(f"/api/v1/ingest/mappings/{shared.pk}/").status_code == 403
    refused = manager.post("/api/v1/ingest/mappings/", {**body, "portfolio": None}, format="json")
    assert refused.status_code == 403  # sharing with all is the operator's
    # A manager of portfolio P may not keep one for portfolio Q, nor move one there.
    other = manager.post("/api/v1/ingest/mappings/", {**body, "portfolio": "q"}, format="json")
    assert other.status_code == 403
    moved = manager.patch(url, {"portfolio": "q"}, format="json")
    assert moved.status_code == 403
    assert Mapping.objects.get(pk=mine.pk).portfolio == world.portfolio_p
    assert set(Mapping.objects.values_list("name", flat=True)) == {"cmms-a", "shared-one"}


def test_the_operator_keeps_shared_mappings(world, django_user_model):
    operator = django_user_model.objects.create_superuser("operator", "o@x.io", "pw-op-1")
    client = APIClient()
    client.force_login(operator)
    response = client.post(
        "/api/v1/ingest/mappings/",
        {"name": "shared-cmms", "kind": "work_orders", "definition": CMMS_DEFINITION},
        format="json",
    )
    assert response.status_code == 201 and response.json()["portfolio"] is None


# --- Batches with a stored mapping -------------------------------------------------------


def test_a_batch_with_a_stored_mapping_loads_and_freezes_it(world):
    mapping = stored(world)
    response = client_for(world, "manager_a").post(
        "/api/v1/ingest/batches/",
        {
            "kind": "work_orders",
            "mapping": "cmms-a",
            "file": ContentFile(CMMS_CSV.encode(), name="wo.csv"),
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get()
    assert batch.mapping == "cmms-a"
    assert batch.mapping_definition == {**CMMS_DEFINITION, "name": "cmms-a", "kind": "work_orders"}
    # Edited after the batch was made, before it runs: the batch reads as it was sent.
    mapping.definition = {**CMMS_DEFINITION, "columns": {"Nothing": "asset"}}
    mapping.save()
    batch = services.batch_run(batch_id=batch.pk)
    assert batch.status == Status.DONE, batch.error
    assert batch.rows_inserted == 2
    assert set(WorkOrder.objects.values_list("external_id", "kind")) == {
        ("W-1", "corrective"),
        ("W-2", "preventive"),
    }


class WorkerKilled(BaseException):
    """Not an Exception: the batch is left running, as by a killed worker."""


def test_a_resumed_batch_reads_with_its_frozen_mapping(world, settings, monkeypatch):
    settings.INGEST_RECORD_CHUNK_BYTES = 40  # one line per chunk
    mapping = stored(world)
    batch = services.batch_create(
        kind="work_orders",
        upload=ContentFile(CMMS_CSV.encode(), name="wo.csv"),
        file_name="wo.csv",
        user=world.user("manager_a"),
        mapping="cmms-a",
        enqueue=False,
    )
    real_commit, calls = services._commit_chunk, []

    def dies_after_one_chunk(*args):
        if calls:
            raise WorkerKilled
        calls.append(1)
        real_commit(*args)

    monkeypatch.setattr(services, "_commit_chunk", dies_after_one_chunk)
    with pytest.raises(WorkerKilled):
        services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.RUNNING and batch.rows_inserted == 1
    mapping.definition = {"columns": {}}  # edited: now useless for this file
    mapping.save()
    monkeypatch.setattr(services, "_commit_chunk", real_commit)
    batch = services.batch_run(batch_id=batch.pk)
    assert batch.status == Status.DONE, batch.error
    assert batch.rows_inserted == 2 and WorkOrder.objects.count() == 2
    # A new batch gets the edited mapping, and fails on the columns it no longer maps.
    later = services.batch_create(
        kind="work_orders",
        upload=ContentFile(CMMS_CSV.encode(), name="wo.csv"),
        file_name="wo.csv",
        user=world.user("manager_a"),
        mapping="cmms-a",
        enqueue=False,
    )
    later = services.batch_run(batch_id=later.pk)
    assert later.status == Status.FAILED and "Required column missing" in later.error


def test_a_stored_mapping_of_another_portfolio_is_unknown_to_a_batch(world):
    stored(world, name="cmms-q", portfolio=None)
    Mapping.objects.filter(name="cmms-q").update(portfolio=world.portfolio_q)
    response = client_for(world, "manager_a").post(
        "/api/v1/ingest/batches/",
        {
            "kind": "work_orders",
            "mapping": "cmms-q",
            "file": ContentFile(CMMS_CSV.encode(), name="wo.csv"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "No mapping named 'cmms-q'" in response.json()["mapping"][0]
    assert not IngestBatch.objects.exists()


def test_a_stored_mapping_for_another_kind_is_refused(world):
    stored(world, kind="failure_events", definition={"columns": {"Tag": "asset"}})
    with pytest.raises(services.BatchRefused, match="is for failure_events, not work_orders"):
        services.batch_create(
            kind="work_orders",
            upload=ContentFile(CMMS_CSV.encode(), name="wo.csv"),
            file_name="wo.csv",
            user=world.user("manager_a"),
            mapping="cmms-a",
            enqueue=False,
        )


# --- manage.py ingest --mapping PATH.json ------------------------------------------------


def test_the_command_takes_a_mapping_file(world, tmp_path, capsys):
    mapping_file = tmp_path / "our-cmms.json"
    mapping_file.write_text(json.dumps({"name": "our-cmms", **CMMS_DEFINITION}))
    data = tmp_path / "wo.csv"
    data.write_text(CMMS_CSV)
    call_command("ingest", "work_orders", str(data), "--mapping", str(mapping_file))
    batch = IngestBatch.objects.get()
    assert batch.status == Status.DONE and batch.rows_inserted == 2
    assert batch.mapping == "our-cmms" and batch.mapping_definition["columns"]["Tag"] == "asset"
    # The file changes afterwards: the batch keeps what it read.
    mapping_file.write_text(json.dumps({"name": "our-cmms"}))
    batch.refresh_from_db()
    assert batch.mapping_definition["columns"]["WO"] == "external_id"


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"name": "x", "colums": {}}', "unknown keys ['colums']"),
        ('{"name": "x", "kind": "readings"}', "is for readings, not work_orders"),
        ("{not json", "cannot be read as a JSON mapping"),
        (None, "cannot be read as a JSON mapping"),  # no such file
    ],
)
def test_a_bad_mapping_file_is_refused_naming_why(world, tmp_path, text, words):
    mapping_file = tmp_path / "bad.json"
    if text is not None:
        mapping_file.write_text(text)
    data = tmp_path / "wo.csv"
    data.write_text(CMMS_CSV)
    with pytest.raises(CommandError, match=words.replace("[", r"\[").replace("]", r"\]")):
        call_command("ingest", "work_orders", str(data), "--mapping", str(mapping_file))
    assert not IngestBatch.objects.exists()


def test_a_mapping_path_is_only_taken_at_the_command_line(world, tmp_path):
    mapping_file = tmp_path / "our-cmms.json"
    mapping_file.write_text(json.dumps({"name": "our-cmms", **CMMS_DEFINITION}))
    response = client_for(world, "manager_a").post(
        "/api/v1/ingest/batches/",
        {
            "kind": "work_orders",
            "mapping": str(mapping_file)[:60],
            "file": ContentFile(CMMS_CSV.encode(), name="wo.csv"),
        },
        format="multipart",
    )
    assert response.status_code == 400  # a server path is no business of a web user
    assert not IngestBatch.objects.exists()


def test_the_command_lists_stored_mappings(world, capsys):
    stored(world)
    call_command("ingest", "--list-mappings")
    assert "cmms-a  (work_orders; stored, p)" in capsys.readouterr().out


# --- Browser pages -----------------------------------------------------------------------


def test_the_upload_page_offers_stored_mappings(world):
    stored(world)
    Mapping.objects.create(
        name="cmms-q", kind="work_orders", definition={}, portfolio=world.portfolio_q
    )
    page = client_for(world, "manager_a").get("/ingest/")
    choices = dict(page.context["form"].fields["mapping"].choices)
    assert "cmms-a (work_orders)" in str(choices["Stored"])
    assert "cmms-q" not in str(choices)
    assert b"/ingest/mappings/" in page.content


def test_a_manager_creates_and_edits_a_mapping_in_the_browser(world):
    client = client_for(world, "manager_a")
    assert client.get("/ingest/mappings/new/").status_code == 200
    form = {"name": "cmms-a", "kind": "work_orders", "description": "", "portfolio": ""}
    bad = client.post(
        "/ingest/mappings/new/", {**form, "portfolio": world.portfolio_p.pk, "definition": "{"}
    )
    assert bad.status_code == 400 and b"Enter a valid JSON" in bad.content
    unknown = client.post(
        "/ingest/mappings/new/",
        {**form, "portfolio": world.portfolio_p.pk, "definition": '{"colums": {}}'},
    )
    assert unknown.status_code == 400 and b"unknown keys" in unknown.content
    assert b"colums" in unknown.content
    good = client.post(
        "/ingest/mappings/new/",
        {**form, "portfolio": world.portfolio_p.pk, "definition": json.dumps(CMMS_DEFINITION)},
    )
    assert good.status_code == 302 and good.url == "/ingest/mappings/"
    mapping = Mapping.objects.get()
    assert mapping.owner == world.user("manager_a") and mapping.portfolio == world.portfolio_p
    listing = client.get("/ingest/mappings/")
    assert b"cmms-a" in listing.content
    edited = client.post(
        f"/ingest/mappings/{mapping.pk}/",
        {
            **form,
            "description": "edited",
            "portfolio": world.portfolio_p.pk,
            "definition": json.dumps(CMMS_DEFINITION),
        },
    )
    assert edited.status_code == 302
    assert Mapping.objects.get().description == "edited"
    # Portfolio Q is not offered to a manager of P: the form refuses it.
    moved = client.post(
        f"/ingest/mappings/{mapping.pk}/",
        {**form, "portfolio": world.portfolio_q.pk, "definition": "{}"},
    )
    assert moved.status_code == 400
    assert Mapping.objects.get().portfolio == world.portfolio_p


def test_mapping_pages_refuse_who_may_not_keep_them(world):
    mapping = stored(world)
    for name in ("tech_a", "director_p", "executive"):
        client = client_for(world, name)
        assert client.get("/ingest/mappings/").status_code == 200
        assert client.get("/ingest/mappings/new/").status_code == 403
        assert client.get(f"/ingest/mappings/{mapping.pk}/").status_code == 404
    assert client_for(world, "anonymous").get("/ingest/mappings/").status_code == 302


# --- Every key's type is checked, on save as when read (review of the last commits) -------

# (definition, the key the error names): each once saved, then a 500 at every use, or a
# 500 on save.
BAD_DEFINITIONS = [
    ({"columns": 5}, "columns"),
    ({"columns": ["a", "b"]}, "columns"),
    ({"columns": "x"}, "columns"),
    ({"columns": {"Tag": 5}}, "columns"),
    ({"columns": {"Tag": "__line__"}}, "columns"),
    ({"header": False, "columns": {"Tag": "asset"}}, "columns"),
    ({"constants": ["x"]}, "constants"),
    ({"constants": {"site": ["site-a"]}}, "constants"),
    ({"constants": {"site": None}}, "constants"),
    ({"value_maps": ["x"]}, "value_maps"),
    ({"value_maps": {"kind": "x"}}, "value_maps"),
    ({"value_maps": {"kind": {"PM": ["preventive"]}}}, "value_maps"),
    ({"units": ["x"]}, "units"),
    ({"units": {"downtime_minutes": 60}}, "units"),
    ({"wide": 5}, "wide"),
    ({"wide": ["variable", "value", "columns"]}, "wide"),
    ({"wide": {"variable": 1, "value": 2, "columns": 3}}, "wide"),
    ({"wide": {"variable": "metric", "value": "value"}}, "wide"),
    ({"wide": {"variable": "metric", "value": "value", "columns": "vib"}}, "wide"),
    ({"timestamp_format": 5}, "timestamp_format"),
    ({"date_format": ["%d.%m.%Y"]}, "date_format"),
    ({"timezone": 5}, "timezone"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"description": 5}, "description"),
    # a second review: a position the reader would build 3 million columns for, a format
    # pandas refuses at the first row, text the database's jsonb refuses, a constant that
    # would silently overwrite a mapped column
    ({"header": False, "columns": {"3000000": "asset"}}, "columns"),
    ({"timestamp_format": "%Q"}, "timestamp_format"),
    ({"date_format": "%d.%Q"}, "date_format"),
    ({"description": "a\x00b"}, "description"),
    ({"columns": {"Tag\x00": "asset"}}, "columns"),
    ({"columns": {"Tag": "asset"}, "constants": {"asset": "M-9"}}, "constants"),
]
# JSON has no NaN (the API's parser refuses it), but a form's JSON field reads it.
NOT_FINITE = [
    ({"constants": {"parts_cost": float("nan")}}, "constants"),
    ({"constants": {"parts_cost": float("inf")}}, "constants"),
]
# Keys our work orders cannot be keyed by, refused on save when the kind is known.
BAD_KEYS = [
    ({"key": ["nope"]}, "'key': 'nope' is not one of our work_orders fields"),
    ({"key": ["external_id"]}, "'key': 'external_id' is not one of our work_orders fields"),
    ({"key": ["site"]}, "'key': 'site' is not one of our work_orders fields"),
]


@pytest.mark.parametrize("definition, key", BAD_DEFINITIONS + NOT_FINITE)
def test_parse_checks_the_type_of_every_key_naming_it(definition, key):
    with pytest.raises(mappings.MappingError) as caught:
        mappings.parse({"name": "m", **definition}, source="m.json")
    assert str(caught.value).startswith(f"m.json: {key}: ")


def test_parse_checks_the_name_type_too():
    with pytest.raises(mappings.MappingError, match=r"^m.json: name: must be text"):
        mappings.parse({"name": 5}, source="m.json")


@pytest.mark.parametrize(
    "definition",
    [
        {"constants": {"site": "site-a", "labour_hours": 1.5, "credit": False, "n": 3}},
        {"value_maps": {"kind": {"1": "corrective", "2": "preventive"}}},
        {"timezone": "Europe/Berlin"},
        {"timezone": "site"},
        {"wide": {"variable": "metric", "value": "value", "columns": ["vib", "temp"]}},
    ],
)
def test_parse_takes_each_type_it_documents(definition):
    mappings.parse({"name": "m", **definition})


@pytest.mark.parametrize("definition, words", BAD_KEYS)
def test_a_key_the_kind_cannot_build_is_refused_on_save(definition, words):
    with pytest.raises(mappings.MappingError) as caught:
        mappings.check_stored(name="m", kind="work_orders", definition=definition)
    assert str(caught.value).startswith("definition: ") and words in str(caught.value)
    # Another kind takes no key at all; a mapping for any kind is checked at batch time.
    with pytest.raises(mappings.MappingError, match="only work orders take one"):
        mappings.check_stored(name="m", kind="failure_events", definition={"key": "row"})
    mappings.check_stored(name="m", kind="", definition=definition)


def test_the_api_answers_400_naming_the_key_for_each_bad_definition(world):
    client = client_for(world, "manager_a")
    body = {"name": "m", "kind": "work_orders", "portfolio": "p"}
    for definition, key in [*BAD_DEFINITIONS, *BAD_KEYS]:
        response = client.post(
            "/api/v1/ingest/mappings/", {**body, "definition": definition}, format="json"
        )
        assert response.status_code == 400, (definition, response.content)
        assert f"definition: {key}" in response.json()["definition"][0], definition
    assert not Mapping.objects.exists()


def test_the_form_refuses_each_bad_definition_naming_the_key(world):
    client = client_for(world, "manager_a")
    form = {
        "name": "m",
        "kind": "work_orders",
        "description": "",
        "portfolio": world.portfolio_p.pk,
    }
    for definition, key in [*BAD_DEFINITIONS, *BAD_KEYS, *NOT_FINITE]:
        response = client.post(
            "/ingest/mappings/new/", {**form, "definition": json.dumps(definition)}
        )
        assert response.status_code == 400, definition
        errors = response.context["form"].errors["definition"]
        assert any(f"definition: {key}" in error for error in errors), (definition, errors)
    assert not Mapping.objects.exists()


# --- A mapping file needs no name --------------------------------------------------------


def test_a_mapping_file_without_a_name_is_named_by_its_stem(world, tmp_path):
    mapping_file = tmp_path / "exported-cmms.json"
    mapping_file.write_text(json.dumps(CMMS_DEFINITION))  # as a stored mapping exports it
    data = tmp_path / "wo.csv"
    data.write_text(CMMS_CSV)
    call_command("ingest", "work_orders", str(data), "--mapping", str(mapping_file))
    batch = IngestBatch.objects.get()
    assert batch.status == Status.DONE and batch.rows_inserted == 2
    assert batch.mapping == "exported-cmms"
    assert batch.mapping_definition["name"] == "exported-cmms"


# --- Who sees mappings; the manager's form -----------------------------------------------


def test_who_may_load_no_data_sees_no_mapping_not_even_a_shared_one(world):
    stored(world)
    shared = stored(world, name="shared-one", portfolio=None)
    for name in ("tech_a", "director_p", "executive"):
        client = client_for(world, name)
        assert client.get("/api/v1/ingest/mappings/").json()["results"] == []
        assert client.get(f"/api/v1/ingest/mappings/{shared.pk}/").status_code == 404
        page = client.get("/ingest/mappings/")
        assert page.status_code == 200
        assert b"shared-one" not in page.content and b"No stored mappings yet" not in page.content
        assert b"Site managers and integrators keep the column mappings" in page.content
    listed = client_for(world, "manager_a").get("/api/v1/ingest/mappings/").json()["results"]
    assert {m["name"] for m in listed} == {"cmms-a", "shared-one"}


def test_the_managers_form_offers_only_their_portfolios_the_first_chosen(world):
    client = client_for(world, "manager_a")
    page = client.get("/ingest/mappings/new/")
    field = page.context["form"]["portfolio"]
    assert [str(choice.data["value"]) for choice in field.subwidgets] == [str(world.portfolio_p.pk)]
    assert str(field.value()) == str(world.portfolio_p.pk)
    assert b"(shared" not in page.content
    # The browser sends the preselected portfolio: the mapping is saved, and the list says so.
    saved = client.post(
        "/ingest/mappings/new/",
        {
            "name": "cmms-a",
            "kind": "work_orders",
            "description": "",
            "portfolio": field.value(),
            "definition": json.dumps(CMMS_DEFINITION),
        },
        follow=True,
    )
    assert saved.redirect_chain == [("/ingest/mappings/", 302)]
    assert "Mapping cmms-a saved." in [str(m) for m in saved.context["messages"]]
    assert b"Mapping cmms-a saved." in saved.content
    assert Mapping.objects.get().portfolio == world.portfolio_p


def test_the_operators_form_still_offers_shared(world, django_user_model):
    operator = django_user_model.objects.create_superuser("operator", "o@x.io", "pw-op-1")
    client = Client()
    client.force_login(operator)
    page = client.get("/ingest/mappings/new/")
    assert b"(shared: everyone who may load data)" in page.content
