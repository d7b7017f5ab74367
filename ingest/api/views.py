"""Ingest over the API: send a file or a bulk JSON payload, follow the batch, fetch what
was refused. Every way in ends in the same batch and the same Celery task."""

import csv
import io
import math
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ParseError
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.views import APIView

from ingest import csvchunks, preview, selectors, services, uploads
from ingest.kinds import spec_for
from ingest.models import IngestBatch, Kind, Mapping, Source
from portfolio.access import Action, writable_site_ids

from .serializers import (
    BulkSerializer,
    IngestBatchSerializer,
    MappingSerializer,
    PreviewSerializer,
    UploadSerializer,
)


class MayIngest(permissions.BasePermission):
    """Sending data needs the right to load into at least one site; reading batches
    needs only a signed-in user (rows are scoped to the sender)."""

    message = "You may not load data into any site."

    def has_permission(self, request, view):
        if request.method != "POST" or getattr(view, "action", "create") != "create":
            return True  # reads are scoped; other methods are answered 405
        return writable_site_ids(request.user, Action.INGEST) != set()


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def start_batch(request, *, kind, upload, file_name, options, source) -> Response:
    """Create the batch (queued for a worker) and answer 202 with it."""
    try:
        batch = services.batch_create(
            kind=kind,
            upload=upload,
            file_name=file_name,
            user=request.user,
            source=source,
            mapping=options.get("mapping") or "canonical",
            site=options.get("site"),
            create_missing_assets=options.get("create_missing_assets", False),
            columns=options.get("columns") or {},
        )
    except PermissionDenied as exc:
        raise DRFPermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "message_dict") else exc.messages
        raise DRFValidationError(detail) from exc
    return Response(IngestBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class UploadLimitMixin:
    """The upload size limit on a POST, put in place before authentication: a session's
    CSRF check may read the body, after which Django no longer lets the limit be set. A
    body over it answers 413 once the request is authenticated."""

    def initialize_request(self, request, *args, **kwargs):
        self.too_large = None
        if request.method == "POST":
            try:
                uploads.limit_upload(request)
            except uploads.UploadTooLarge as exc:
                self.too_large = exc
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.too_large is not None:
            raise PayloadTooLarge(str(self.too_large))


class IngestBatchViewSet(
    UploadLimitMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Batches you sent (the operator sees all). POST a CSV file (multipart) to start one."""

    serializer_class = IngestBatchSerializer
    parser_classes = [MultiPartParser]
    permission_classes = [permissions.IsAuthenticated, MayIngest]

    def get_queryset(self):
        return IngestBatch.objects.visible_to(self.request.user).select_related(
            "site", "created_by"
        )

    @extend_schema(request=UploadSerializer, responses={202: IngestBatchSerializer})
    def create(self, request, *args, **kwargs):
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            uploads.check_upload(
                upload,
                encoding=uploads.encoding_of(
                    form.validated_data.get("mapping"), form.validated_data["kind"], request.user
                ),
            )
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        return start_batch(
            request,
            kind=form.validated_data["kind"],
            upload=upload,
            file_name=upload.name,
            options=form.validated_data,
            source=Source.API,
        )

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"], url_path="rejected", url_name="rejected")
    def rejected(self, request, pk=None):
        """The batch's refused rows as CSV: line, field, reason, raw."""
        return rejected_rows_response(self.get_object())


def rejected_rows_response(batch) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        selectors.rejected_rows_csv(batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-rejected.csv"'
    return response


def json_too_large(size: int | None) -> PayloadTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size_text = f"{size:,} bytes" if size is not None else "larger"
    return PayloadTooLarge(
        f"The request body is {size_text}; a bulk JSON request may hold at most {limit:,} "
        "bytes (INGEST_MAX_JSON_BYTES): send the rows in several requests or upload a CSV file."
    )


class TooLongNumber:
    """A JSON number too long to read (Python refuses ints past 4,300 digits): kept as a
    marker so the view can name its row, never converted."""

    def __init__(self, text: str):
        self.digits = len(text)

    def __str__(self) -> str:
        if self.digits > MAX_NUMBER_CHARACTERS:
            return f"holds a number of {self.digits:,} digits, too long to read"
        return "holds a number too large to read"


MAX_NUMBER_CHARACTERS = 1000
SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_PROBLEMS = 20  # rows named in one refusal of a bulk request


def _parse_int(text: str):
    return TooLongNumber(text) if len(text) > MAX_NUMBER_CHARACTERS else int(text)


def _parse_float(text: str):
    if len(text) > MAX_NUMBER_CHARACTERS:
        return TooLongNumber(text)
    value = float(text)
    return value if math.isfinite(value) else TooLongNumber(text)


class BulkJSONParser(JSONParser):
    """JSON that cannot break the server: the body is read only up to the cap (413 past
    it), nesting too deep for the parser is a 400, and an over-long number a marker."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(body) > limit:
            raise json_too_large(None)
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"The request body is not {encoding} text.") from exc
        try:
            return json.loads(
                text,
                parse_int=_parse_int,
                parse_float=_parse_float,
                parse_constant=json.strict_constant,
            )
        except RecursionError as exc:
            raise ParseError("The JSON is nested too deeply to read.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def _value_problem(value) -> str | None:
    """Why a JSON value cannot become a CSV cell (walked without recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, TooLongNumber):
            return str(item)
        if isinstance(item, str):
            if SURROGATE.search(item):
                return "holds a lone UTF-16 surrogate (such as \\ud800), which is not text"
        elif isinstance(item, dict):
            pending += list(item.keys()) + list(item.values())
        elif isinstance(item, list):
            pending += item
    return None


def _check_values(data) -> None:
    """400 naming each row (and field) holding what cannot be stored as text."""
    if not isinstance(data, dict):
        return
    problems = []
    rows = data.get("rows")
    for number, row in enumerate(rows if isinstance(rows, list) else [], 1):
        if not isinstance(row, dict):
            continue
        for key, value in row.items():
            key_problem = _value_problem(key) or ("holds a NUL" if "\x00" in key else None)
            problem = key_problem or _value_problem(value)
            if problem:
                name = csvchunks.printable(key, limit=60)
                where = f"row {number} (line {number + 1}), field {name!r}"
                problems.append(f"{where} {'(its name) ' if key_problem else ''}{problem}.")
            if len(problems) >= MAX_PROBLEMS:
                break
        if len(problems) >= MAX_PROBLEMS:  # a million bad rows get 20 lines, not a million
            problems.append("… and perhaps more: the first 20 are shown.")
            break
    if not problems:
        rest = {key: value for key, value in data.items() if key != "rows"}
        problem = _value_problem(rest)
        if problem:
            raise DRFValidationError({"non_field_errors": [f"The request {problem}."]})
    if problems:
        raise DRFValidationError({"rows": problems})


class BulkView(APIView):
    """POST {"rows": [{our columns…}, …], "site": code?, "mapping"?…}: one batch."""

    parser_classes = [BulkJSONParser]
    permission_classes = [permissions.IsAuthenticated, MayIngest]
    kind: str = ""

    def initialize_request(self, request, *args, **kwargs):
        # From Content-Length, before anything reads the body: 413 JSON, not Django's
        # HTML 400 for RequestDataTooBig.
        self.too_large = None
        if request.method == "POST":
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and size > limit:
                self.too_large = json_too_large(size)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.too_large is not None:
            raise self.too_large

    @extend_schema(request=BulkSerializer, responses={202: IngestBatchSerializer})
    def post(self, request):
        _check_values(request.data)
        form = BulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rows = form.validated_data["rows"]
        names = [f.name for f in spec_for(self.kind).fields]
        unknown = sorted({key for row in rows for key in row} - set(names))
        if unknown and form.validated_data.get("mapping", "canonical") == "canonical":
            raise DRFValidationError({"rows": [f"Unknown columns {unknown}; ours: {names}"]})
        mapping = form.validated_data.get("mapping")
        if uploads.dialect_of(mapping, self.kind, request.user) != csvchunks.DEFAULT:
            # The rows become our own CSV: a file's header, delimiter or encoding is moot.
            raise DRFValidationError(
                {
                    "mapping": [
                        f"{mapping!r} says how a file is written (header, delimiter or "
                        "encoding); JSON rows are no file: use a mapping without those keys."
                    ]
                }
            )
        columns = [name for name in names if any(name in row for row in rows)] + unknown
        upload = SimpleUploadedFile(
            f"{self.kind}.json.csv", _as_csv(rows, columns), content_type="text/csv"
        )
        return start_batch(
            request,
            kind=self.kind,
            upload=upload,
            file_name=f"{self.kind} (API, {len(rows)} rows)",
            options=form.validated_data,
            source=Source.API,
        )


def _as_csv(rows: list[dict], columns: list[str]) -> bytes:
    """The rows as our canonical CSV: row i of the request is line i + 2 of the batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)  # a nested object or list is refused by the kind's checks, by line


class BulkReadingsView(BulkView):
    """Bulk readings: rows of {sensor_id, measured_at, value} (or asset, metric, site)."""

    kind = Kind.READINGS


class BulkWorkOrdersView(BulkView):
    """Bulk work orders: rows of our work-order columns; a re-sent one updates it."""

    kind = Kind.WORK_ORDERS


class MappingViewSet(viewsets.ModelViewSet):
    """Stored column mappings: the ones you may use (shared ones, your portfolios').

    Site managers and integrators create and edit their portfolios' mappings; the operator
    also the shared ones. A batch made with one keeps a copy, so editing it changes no batch.
    """

    serializer_class = MappingSerializer
    permission_classes = [permissions.IsAuthenticated, MayIngest]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Mapping.objects.visible_to(self.request.user).select_related("portfolio", "owner")

    def perform_create(self, serializer):
        serializer.instance = self._save(Mapping(**serializer.validated_data), None)

    def perform_update(self, serializer):
        mapping = serializer.instance
        previous = mapping.portfolio_id
        for name, value in serializer.validated_data.items():
            setattr(mapping, name, value)
        self._save(mapping, previous)

    def perform_destroy(self, instance):
        try:
            services.mapping_delete(mapping=instance, user=self.request.user)
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc

    def _save(self, mapping, previous):
        try:
            return services.mapping_save(
                mapping=mapping, user=self.request.user, previous_portfolio_id=previous
            )
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc


class PreviewView(UploadLimitMixin, APIView):
    """POST a file as for a batch (multipart): its first lines as they would be stored and
    the ones that would be refused, with their reasons. Nothing is written."""

    parser_classes = [MultiPartParser]
    permission_classes = [permissions.IsAuthenticated, MayIngest]

    @extend_schema(request=UploadSerializer, responses={200: PreviewSerializer})
    def post(self, request):
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        options = form.validated_data
        try:
            uploads.check_upload(
                upload,
                encoding=uploads.encoding_of(options.get("mapping"), options["kind"], request.user),
            )
            found = preview.batch_preview(
                kind=options["kind"],
                upload=upload,
                user=request.user,
                mapping=options.get("mapping") or "canonical",
                site=options.get("site"),
                create_missing_assets=options.get("create_missing_assets", False),
                columns=options.get("columns") or {},
            )
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "message_dict") else exc.messages
            raise DRFValidationError(detail) from exc
        return Response(PreviewSerializer(vars(found)).data)
