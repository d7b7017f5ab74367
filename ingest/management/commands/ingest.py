"""``manage.py ingest KIND FILE``: load a CSV file as an ingest batch and print its summary.

Exit status 0 when the batch completed, even with rejected rows; 1 when the file as a
whole could not be read (or the batch could not be created).
"""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ingest import mappings, services
from ingest.api.serializers import IngestBatchSerializer
from ingest.kinds import SPECS
from ingest.models import Kind, Mapping, Source, Status
from portfolio.models import Site


class Command(BaseCommand):
    help = "Load a CSV file (readings, work orders, …) as an ingest batch."

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", choices=Kind.values, help="What the file holds.")
        parser.add_argument("file", nargs="?", help="The CSV file.")
        parser.add_argument(
            "--mapping",
            default=mappings.CANONICAL,
            help="Column mapping: a shipped or stored mapping's name, or a PATH.json file.",
        )
        parser.add_argument("--site", help="Site code for rows that name none.")
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="OURS=THEIRS",
            help="Read our field OURS from the file's column THEIRS (repeatable).",
        )
        parser.add_argument(
            "--create-missing-assets",
            action="store_true",
            help="Create assets the file names but we lack, at --site (onboarding).",
        )
        parser.add_argument("--user", help="Load as this user (their sites only).")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument(
            "--list-mappings", action="store_true", help="List the column mappings and exit."
        )

    def handle(self, *args, **options):
        if options["list_mappings"]:
            self._list_mappings()
            return
        if not options["kind"] or not options["file"]:
            raise CommandError("Give KIND and FILE (or --list-mappings).")
        columns = {}
        for pair in options["column"]:
            ours, sep, theirs = pair.partition("=")
            if not sep or not ours or not theirs:
                raise CommandError(f"--column takes OURS=THEIRS, not {pair!r}")
            columns[ours.strip()] = theirs.strip()
        site = None
        if options["site"]:
            site = Site.objects.filter(code=options["site"]).first()
            if site is None:
                raise CommandError(f"No site with code {options['site']!r}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}")
        try:
            batch = services.batch_ingest_file(
                path=options["file"],
                kind=options["kind"],
                user=user,
                source=Source.CLI,
                mapping=options["mapping"],
                site=site,
                create_missing_assets=options["create_missing_assets"],
                columns=columns,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(_message(exc)) from exc
        self._print(batch, IngestBatchSerializer(batch).data, options["json"])
        if batch.status != Status.DONE:
            raise CommandError(f"Batch {batch.pk} failed: {batch.error}", returncode=1)

    def _print(self, batch, summary, as_json):
        out = self.stdout
        out.write(f"Batch {batch.pk}: {batch.kind} from {batch.file_name} — {batch.status}")
        if batch.error:
            out.write(f"  error: {batch.error}")
        out.write(
            f"  read {batch.rows_read}, inserted {batch.rows_inserted}, updated "
            f"{batch.rows_updated}, duplicate {batch.rows_duplicate}, rejected "
            f"{batch.rows_rejected}"
        )
        for asset in batch.created_assets:
            out.write(f"  created asset {asset}")
        for row in batch.rejected_rows.all()[:20]:
            key = f" [key {row.key}]" if row.key else ""
            out.write(f"  line {row.line}{key}: {row.field or '(line)'}: {row.reason}")
        if batch.rows_rejected > 20:
            out.write("  … more rejected rows in the batch's rejected-rows CSV")
        if as_json:
            out.write(json.dumps(summary, default=str))

    def _list_mappings(self):
        for name, mapping in sorted(mappings.shipped().items()):
            kinds = mapping.kind or "any kind"
            self.stdout.write(f"{name}  ({kinds})")
            if mapping.description:
                self.stdout.write(f"    {mapping.description}")
        for stored in Mapping.objects.select_related("portfolio"):
            scope = stored.portfolio.code if stored.portfolio else "shared"
            self.stdout.write(f"{stored.name}  ({stored.kind or 'any kind'}; stored, {scope})")
            if stored.description:
                self.stdout.write(f"    {stored.description}")
        self.stdout.write("\nOur columns per kind (canonical), * required:")
        for kind, spec in SPECS.items():
            names = ", ".join(f.name + ("*" if f.required else "") for f in spec.fields)
            self.stdout.write(f"  {kind}: {names}")


def _message(exc) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(getattr(exc, "messages", [str(exc)]))
