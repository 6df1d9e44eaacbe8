"""Helpers shared by the views: scoped lookups and turning business errors into messages."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect

from engage.accounts.permissions import require_area
from engage.cases.models import Case
from engage.cases.services import CaseError
from engage.identity.models import Caller


def get_case(request: HttpRequest, pk: int) -> Case:
    """The case, or 404 if it doesn't exist or lies outside a CSU officer's areas."""
    case = get_object_or_404(Case.objects.select_related("caller"), pk=pk)
    require_area(request.user, [case.area_code])
    return case


def caller_areas(caller: Caller) -> set[str]:
    areas = {caller.area_code} | set(Case.objects.filter(caller=caller).values_list("area_code", flat=True))
    return {a for a in areas if a}


def get_caller(request: HttpRequest, pk: int) -> Caller:
    caller = get_object_or_404(Caller, pk=pk)
    require_area(request.user, caller_areas(caller))
    return caller


def attempt(request: HttpRequest, action: Callable[[], object], success: str, to: str) -> HttpResponseRedirect:
    """Run a service call; show its business error (CaseError) as a message instead of failing."""
    try:
        action()
    except CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(to)


def form_errors(request: HttpRequest, form, to: str) -> HttpResponseRedirect:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ") if field in form.fields else "Form"
        messages.error(request, f"{str(label).capitalize()}: {' '.join(errors)}")
    return redirect(to)
