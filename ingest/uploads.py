"""Upload safety: size refused before the body is read, allowed types, text only.

An uploaded file is only ever read as CSV text: never executed, unpacked or evaluated.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from . import csvchunks, mappings

ALLOWED_EXTENSIONS = {".csv", ".txt"}
# What browsers and HTTP clients send for a CSV file (Windows says vnd.ms-excel).
ALLOWED_CONTENT_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
}
SNIFF_BYTES = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self, size: int | None = None):
        limit = settings.INGEST_MAX_UPLOAD_BYTES
        told = f" ({size:,} bytes)" if size else ""
        super().__init__(f"The upload{told} is larger than the limit of {limit:,} bytes.")


def limit_upload(request) -> None:
    """Refuse from the Content-Length header, before any of the body is read, and count a
    body without one as it arrives. Call before anything reads ``request.POST`` (the CSRF
    check does): Django fixes the upload handlers once the body is parsed."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.INGEST_MAX_UPLOAD_BYTES:
        raise UploadTooLarge(declared)
    request.upload_handlers.insert(0, SizeLimitHandler(request))


class SizeLimitHandler(FileUploadHandler):
    """Stops an upload as soon as it passes the limit, so it is never stored whole."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.INGEST_MAX_UPLOAD_BYTES:
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def dialect_of(mapping: str | None, kind: str, user=None) -> csvchunks.Dialect:
    """How the named mapping says its files are written (the default for an unknown one:
    the batch then refuses the mapping itself, with its own message)."""
    try:
        return mappings.resolve(mapping or mappings.CANONICAL, kind, user=user).mapping.dialect
    except mappings.MappingError:
        return csvchunks.DEFAULT


def encoding_of(mapping: str | None, kind: str, user=None) -> str:
    return dialect_of(mapping, kind, user).encoding


def check_upload(upload, *, encoding: str = "utf-8") -> None:
    """Refuse what is not a CSV text file: by name, declared type and the first bytes.

    Only a file read as UTF-8 must decode as UTF-8: in cp1252 or Latin-1 every byte is
    text (cp1252's five undefined bytes are refused line by line when the batch runs)."""
    if upload is None:
        raise ValidationError({"file": "Choose a CSV file to upload."})
    if upload.size > settings.INGEST_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": str(UploadTooLarge(upload.size))})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    extension = Path(upload.name or "").suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            {"file": f"Only .csv or .txt files are accepted, not '{extension or 'no extension'}'."}
        )
    content_type = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    if content_type and content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationError({"file": f"A CSV file is expected, not {content_type}."})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if b"\x00" in head:
        raise ValidationError({"file": "The file is not text (it holds NUL bytes)."})
    if encoding != "utf-8":
        return
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            raise ValidationError(
                {
                    "file": "The file is not UTF-8 text; export it as UTF-8 CSV, or choose "
                    "a mapping that names its encoding (cp1252, latin-1)."
                }
            ) from exc
