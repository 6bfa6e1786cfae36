"""Security history pages: a user's own events, a project's, and the admin log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from stockade.audit.describe import describe_event
from stockade.audit.exceptions import HistoryNotFoundError
from stockade.audit.forms import AdminLogFilterForm
from stockade.audit.models import AuditEvent
from stockade.audit.services import (
    EventFilters,
    events_for_user,
    get_project_history,
    search_events,
)

PAGE_SIZE = 50


def _page(request: HttpRequest, events: QuerySet[AuditEvent]) -> tuple[Page, list]:
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return page, [describe_event(event) for event in page.object_list]


@require_safe
@login_required
def account_history(request: HttpRequest) -> HttpResponse:
    page, rows = _page(request, events_for_user(request.user))
    return render(request, "audit/account_history.html", {"page": page, "rows": rows})


@require_safe
@login_required
def project_history(request: HttpRequest, name: str) -> HttpResponse:
    try:
        project, events = get_project_history(viewer=request.user, project_name=name)
    except HistoryNotFoundError as e:
        raise Http404(str(e)) from e
    page, rows = _page(request, events)
    context = {"project": project, "page": page, "rows": rows}
    return render(request, "audit/project_history.html", context)


@require_safe
@login_required
def admin_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    form = AdminLogFilterForm(request.GET or None)
    if not form.is_bound:
        events = search_events(EventFilters())
    elif form.is_valid():
        events = search_events(form.filters())
    else:
        events = AuditEvent.objects.none()
    page, rows = _page(request, events)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "audit/admin_log.html", context)
