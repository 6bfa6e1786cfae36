"""Staff pages under /admin/names/: review held names, manage exceptions and prohibited names.

Non-staff visitors get a 404, like the audit log, so the pages do not reveal themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stockade.audit.actors import actor_from_request
from stockade.names import services
from stockade.names.exceptions import HeldNameNotFoundError
from stockade.names.forms import ExceptionForm, ProhibitedNameForm
from stockade.names.models import NameException, ProhibitedName
from stockade.names.rules import RULES


def _staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "HEAD", "POST"])
@_staff_only
def review(request: HttpRequest) -> HttpResponse:
    exception_form = ExceptionForm(prefix="exception")
    prohibited_form = ProhibitedNameForm(prefix="prohibited")
    if request.method == "POST" and "exception-name" in request.POST:
        exception_form = ExceptionForm(request.POST, prefix="exception")
        if exception_form.is_valid():
            data = exception_form.cleaned_data
            user = get_user_model().objects.filter(username=data["username"]).first()
            services.add_exception(
                actor=actor_from_request(request), name=data["name"], user=user, note=data["note"]
            )
            messages.success(request, _("Exception added for %(name)s.") % {"name": data["name"]})
            return redirect("names:review")
    elif request.method == "POST" and "prohibited-name" in request.POST:
        prohibited_form = ProhibitedNameForm(request.POST, prefix="prohibited")
        if prohibited_form.is_valid():
            data = prohibited_form.cleaned_data
            services.add_prohibited_name(
                actor=actor_from_request(request), name=data["name"], reason=data["reason"]
            )
            messages.success(request, _("%(name)s is now prohibited.") % {"name": data["name"]})
            return redirect("names:review")
    context = {
        "holds": [(hold, RULES.get(hold.rule, hold.rule)) for hold in services.list_held_names()],
        "exceptions": NameException.objects.select_related("user"),
        "prohibited": ProhibitedName.objects.all(),
        "exception_form": exception_form,
        "prohibited_form": prohibited_form,
    }
    return render(request, "names/review.html", context)


@require_POST
@_staff_only
def approve_hold(request: HttpRequest, name: str) -> HttpResponse:
    try:
        project = services.approve_held_name(actor=actor_from_request(request), project_name=name)
    except HeldNameNotFoundError as e:
        raise Http404(str(e)) from e
    messages.success(request, _("%(name)s is approved and published.") % {"name": project.name})
    return redirect("names:review")


@require_POST
@_staff_only
def refuse_hold(request: HttpRequest, name: str) -> HttpResponse:
    try:
        services.refuse_held_name(actor=actor_from_request(request), project_name=name)
    except HeldNameNotFoundError as e:
        raise Http404(str(e)) from e
    messages.success(request, _("%(name)s is refused and deleted.") % {"name": name})
    return redirect("names:review")


@require_POST
@_staff_only
def remove_exception(request: HttpRequest, pk: int) -> HttpResponse:
    services.remove_exception(actor=actor_from_request(request), exception_id=pk)
    return redirect("names:review")


@require_POST
@_staff_only
def remove_prohibited(request: HttpRequest, pk: int) -> HttpResponse:
    services.remove_prohibited_name(actor=actor_from_request(request), prohibited_id=pk)
    return redirect("names:review")
