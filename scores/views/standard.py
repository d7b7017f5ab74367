"""The reliability standard page (SPEC §4): the thresholds a portfolio's sites are measured
against, the form to change them (directors and executives), and the history of versions."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portfolio.access import Action, can_write_portfolio
from scores import selectors, services
from scores.forms import ReliabilityStandardForm
from scores.pages.standard import standard_page


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def standard(request, code):
    """View the standard (anyone who sees it); POST saves a new version (writers only)."""
    found = selectors.standard_for_viewer(request.user, code)
    if found is None:
        raise Http404("No such portfolio.")
    portfolio, current = found
    may_edit = can_write_portfolio(request.user, portfolio.pk, Action.STANDARD)
    form = ReliabilityStandardForm(instance=current) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("You may not edit the reliability standard of this portfolio.")
        form = _save(request, current)
        if form is None:
            return redirect("scores:standard", code=portfolio.code)
        current = form.saved_standard
    page = standard_page(portfolio, current, form=form, history_page=request.GET.get("page"))
    return render(request, "scores/standard.html", vars(page))


def _save(request, current):
    """Save the posted form through ``standard_update``: None when done (a message says
    what happened), else the form with its errors, its ``saved_standard`` the one to show."""
    # A bound ModelForm writes the posted values onto its instance: give it a copy, so the
    # page still shows the values actually saved.
    form = ReliabilityStandardForm(request.POST, instance=copy.copy(current))
    form.saved_standard = current
    if not form.is_valid():
        return form
    try:
        saved = services.standard_update(
            standard=current,
            data={name: form.cleaned_data[name] for name in form.Meta.fields},
            user=request.user,
            based_on_version=form.cleaned_data["based_on_version"],
        )
    except services.StandardConflict as conflict:
        # Keep the editor's input, now based on the version they have been shown.
        data = request.POST.copy()
        data["based_on_version"] = str(conflict.standard.version)
        form = ReliabilityStandardForm(data, instance=copy.copy(conflict.standard))
        form.saved_standard = conflict.standard
        form.is_valid()
        form.add_error(None, str(conflict))
        return form
    except ValidationError as error:
        form.add_error(None, error)
        return form
    if saved.version == current.version:
        messages.info(request, "No value changed; the standard stays at its current version.")
    else:
        messages.success(request, f"Saved as version {saved.version}; scores are being recomputed.")
    return None
