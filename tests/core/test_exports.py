"""Every CSV the product writes goes through core.exports: no cell runs as a formula."""

import csv
import io

import pytest

from core.exports import csv_writer, safe_cell

PAYLOADS = ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_is_written_as_text(payload):
    """A text cell starting =, +, -, @, tab or CR gets a leading quote (OWASP)."""
    assert safe_cell(payload) == "'" + payload


def test_numbers_and_plain_text_stay_as_they_are():
    """A negative number written as a number stays a number; other text is untouched."""
    assert safe_cell(-250.0) == -250.0
    assert safe_cell(-3) == -3
    assert safe_cell(None) is None
    assert safe_cell("Press 1 = ok") == "Press 1 = ok"
    line = csv_writer().writerow([-250.00, "-250.00", "ok"])
    assert line == "-250.0,-250.00,ok\r\n"  # number-shaped text is a number too


def test_the_writer_writes_into_a_file():
    buffer = io.StringIO()
    csv_writer(buffer, lineterminator="\n").writerows([["=cmd|' /C calc'!A0", 1]])
    assert buffer.getvalue() == "'=cmd|' /C calc'!A0,1\n"


@pytest.mark.django_db
def test_rejected_rows_csv_neutralises_formulas(world):
    """The rejected rows' download: a raw line or key that starts a formula is text."""
    from django.core.files.base import ContentFile

    from ingest.models import IngestBatch, RejectedRow
    from ingest.selectors import rejected_rows_csv

    batch = IngestBatch(
        kind="readings",
        source="upload",
        mapping="canonical",
        file_name="r.csv",
        file_size=5,
        created_by=world.user("manager_a"),
    )
    batch.file.save("r.csv", ContentFile(b"a,b\n"), save=True)
    for line, payload in enumerate(PAYLOADS, start=2):
        RejectedRow.objects.create(
            batch=batch, line=line, field="value", reason="not a number", raw=payload, key=payload
        )
    rows = list(csv.reader(io.StringIO("".join(rejected_rows_csv(batch)))))
    assert rows[0] == ["line", "field", "reason", "raw", "key"]
    assert [row[3] for row in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [row[4] for row in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(2, 2 + len(PAYLOADS))]


@pytest.mark.parametrize("number", ["-250.00", "-5", "-1e3", "+12.5", "-.5"])
def test_a_number_written_as_text_is_left_as_it_is(number):
    """A rejected line's cells are text: "-250.00" is a number to the spreadsheet, and a
    quote before it would show in every exported amount."""
    assert safe_cell(number) == number
