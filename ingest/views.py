"""Ingest pages: upload a file, follow its batch while it runs, download refused rows.

The page's progress bar polls the batch's API resource (session auth), so the page and
the API report the same numbers from the same row.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from core.exports import csv_writer
from ingest import mappings, preview, services, uploads
from ingest.api.views import rejected_rows_response
from ingest.columns import kind_columns
from ingest.forms import MAPPING_EXAMPLE, MappingForm, UploadForm
from ingest.kinds import loadable_kinds
from ingest.models import IngestBatch, Kind, Source
from ingest.models import Mapping as StoredMapping
from portfolio.access import Action, writable_site_ids
from portfolio.models import Portfolio, Site

PAGE_SIZE = 25


def _writable_sites(user):
    ids = writable_site_ids(user, Action.INGEST)
    return Site.objects.all() if ids is None else Site.objects.filter(pk__in=ids)


@csrf_exempt  # checked below, once the upload's size limit is in place
@require_http_methods(["GET", "POST"])
@login_required
def batches(request):
    """Your batches, newest first, and the upload form (for those who may load data)."""
    if request.method == "POST":
        try:
            uploads.limit_upload(request)
        except uploads.UploadTooLarge as exc:
            return HttpResponse(str(exc), status=413, content_type="text/plain")
    return _batches(request)


@csrf_protect
def _batches(request):
    sites = _writable_sites(request.user)
    # The operator may load portfolios and sites into an empty database: the kinds decide.
    kinds = loadable_kinds(request.user)
    may_upload = bool(kinds)
    stored = StoredMapping.objects.visible_to(request.user)
    options = {"kinds": kinds, "sites": sites, "stored": stored}
    form = UploadForm(**options)
    status, shown = 200, None
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied("You may not load data into any site.")
        form = UploadForm(request.POST, request.FILES, **options)
        if form.is_valid() and "preview" in request.POST:
            try:
                _check_file(form, request.user)
                shown = preview.batch_preview(
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    user=request.user,
                    mapping=form.cleaned_data["mapping"],
                    site=form.cleaned_data["site"],
                    create_missing_assets=form.cleaned_data["create_missing_assets"],
                    columns=form.cleaned_data["columns"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        elif form.is_valid():
            try:
                _check_file(form, request.user)
                batch = services.batch_create(
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    file_name=form.cleaned_data["file"].name,
                    user=request.user,
                    source=Source.UPLOAD,
                    mapping=form.cleaned_data["mapping"],
                    site=form.cleaned_data["site"],
                    create_missing_assets=form.cleaned_data["create_missing_assets"],
                    columns=form.cleaned_data["columns"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("ingest:batch", pk=batch.pk)
        if shown is None:
            status = 400
    page = Paginator(
        IngestBatch.objects.visible_to(request.user).select_related("site"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "ingest/batches.html",
        {
            "form": form,
            "page": page,
            "may_upload": may_upload,
            "preview": shown,
            "preview_table": _preview_table(shown),
            "preview_lines": preview.LINES,
            "kinds_columns": _kinds_columns(kinds, sites),
        },
        status=status,
    )


def _kinds_columns(kinds, sites) -> list:
    """The columns of each kind offered, a site the user may load into as their example."""
    if not kinds:
        return []
    first = sites.order_by("code").first()
    site_code = first.code if first else ""
    return [kind_columns(kind, site_code=site_code) for kind in kinds]


@require_safe
@login_required
def kind_template(request, kind):
    """A CSV to fill in: the kind's columns and one example row (kinds the user may load)."""
    if kind not in Kind.values:
        raise Http404("No such kind of data.")
    if kind not in loadable_kinds(request.user):
        raise PermissionDenied(f"You may not load {Kind(kind).label.lower()}.")
    columns = _kinds_columns([kind], _writable_sites(request.user))[0]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    writer = csv_writer(response)
    writer.writerow(columns.header)
    writer.writerow(columns.example_row)
    return response


def _preview_table(shown) -> list[list]:
    """The preview's rows as table cells: the line, then each column in order."""
    if shown is None:
        return []
    return [[row["line"], *(row.get(c) for c in shown.columns)] for row in shown.rows]


@require_safe
@login_required
def batch(request, pk):
    """One batch: progress while it runs, the result and the first refused rows after."""
    found = get_object_or_404(IngestBatch.objects.visible_to(request.user), pk=pk)
    rejected = found.rejected_rows.all()[:50]
    return render(request, "ingest/batch.html", {"batch": found, "rejected": rejected})


@require_safe
@login_required
def rejected_csv(request, pk):
    found = get_object_or_404(IngestBatch.objects.visible_to(request.user), pk=pk)
    return rejected_rows_response(found)


# --- Stored mappings ---------------------------------------------------------------------


@require_safe
@login_required
def mappings_list(request):
    """The stored mappings you may use; site managers, integrators and the operator keep them."""
    found = StoredMapping.objects.visible_to(request.user).select_related("portfolio", "owner")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    may_keep = writable_site_ids(request.user, Action.INGEST) != set()
    return render(
        request,
        "ingest/mappings.html",
        {"page": page, "may_keep": may_keep, "shipped": mappings.shipped().values()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def mapping_new(request):
    return _mapping_form(request, StoredMapping())


@require_http_methods(["GET", "POST"])
@login_required
def mapping_edit(request, pk):
    found = get_object_or_404(StoredMapping.objects.visible_to(request.user), pk=pk)
    if not services.mapping_may_keep(request.user, found.portfolio_id):
        raise PermissionDenied("You may not edit this mapping.")
    return _mapping_form(request, found)


def _mapping_form(request, mapping):
    writable = writable_site_ids(request.user, Action.INGEST)
    if writable is not None and not writable:
        raise PermissionDenied("Site managers and integrators keep mappings.")
    portfolios = (
        Portfolio.objects.all()
        if writable is None
        else Portfolio.objects.filter(sites__pk__in=writable).distinct()
    )
    options = {"portfolios": portfolios, "shared_allowed": writable is None}
    form = MappingForm(instance=mapping, **options)
    status = 200
    if request.method == "POST":
        previous = mapping.portfolio_id
        form = MappingForm(request.POST, instance=mapping, **options)
        if form.is_valid():
            try:
                services.mapping_save(
                    mapping=form.instance, user=request.user, previous_portfolio_id=previous
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Mapping {form.instance.name} saved.")
                return redirect("ingest:mappings")
        status = 400
    return render(
        request,
        "ingest/mapping_form.html",
        {"form": form, "mapping": mapping, "example": MAPPING_EXAMPLE},
        status=status,
    )


def _check_file(form, user) -> None:
    """The upload's first bytes as text of the encoding its mapping reads (ValidationError)."""
    data = form.cleaned_data
    uploads.check_upload(
        data["file"], encoding=uploads.encoding_of(data["mapping"], data["kind"], user)
    )
