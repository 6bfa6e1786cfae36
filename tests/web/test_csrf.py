"""CSRF tokens are required on every form.

Driven by the URL resolver, not a hand-written list: every URL pattern of the project is found
by walking ``get_resolver().url_patterns``, so a view added later is checked without touching
this file. Only the token-authenticated APIs in ``CSRF_EXEMPT`` may skip the check, each with
its reason, and the test fails if any other view is ``csrf_exempt``.

* A POST without a token (or with a forged one) to every other URL is refused by the CSRF
  middleware with 403, for a visitor and for a logged-in staff user who owns the objects the URL
  names; the same POST with the right token gets past the check (so the 403 is CSRF's).
* Every page reachable by GET that contains a ``<form method="post">`` puts a
  ``csrfmiddlewaretoken`` in it, and every URL that takes a POST is the target of such a form
  on some page (or is in ``SCRIPT_POSTED``: endpoints that page scripts call with the
  ``X-CSRFToken`` header).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.client import RedirectCycleError
from django.urls import URLPattern, URLResolver, get_callable, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stockade.accounts.models import Email, User
from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli
from stockade.mfa import pending
from stockade.mfa.models import WebAuthnCredential
from stockade.names import services as names
from stockade.packaging import collaborators
from stockade.packaging.models import Project, Role, RoleInvitation
from stockade.packaging.services import set_release_yanked
from stockade.tokens.services import issue_token

# The only views that may skip the CSRF check, by route, with the reason.
CSRF_EXEMPT = {
    "legacy/": "the upload API: twine, uv and poetry authenticate every request with an API "
    "token in the Authorization header; a browser session never authorizes an upload",
    "_/secrets/disclose-token": "leaked-token reports from secret scanners, authenticated by "
    "an ECDSA signature over the request body (docs/secret-scanning.md), never by a session",
}
# URLs that take POSTs from page scripts (the WebAuthn ceremony), which send the page's token
# in the X-CSRFToken header rather than from a <form>. They are still CSRF-checked above.
# URLs that take POST but are not forms, with the reason.
NOT_FORM_TARGETS = {
    "simple-index": "names the read path's /simple/ for reverse(); the real server answers it "
    "before Django, and here a RedirectView answers every method",
}
SCRIPT_POSTED = {
    "mfa:security-key-options",
    "mfa:register-security-key",
    "mfa:security-key-challenge",
    "mfa:security-key-answer",
}
PASSWORD = "lantern-harbour-51-quiet"
FAILURE_HEADER = "X-Test-CSRF-Failure"
_REAL_FAILURE_VIEW = django_settings.CSRF_FAILURE_VIEW


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The configured CSRF failure view, marked so the test knows a 403 came from CSRF."""
    response = get_callable(_REAL_FAILURE_VIEW)(request, reason=reason)
    response[FAILURE_HEADER] = reason or "failed"
    return response


@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "manage/project/<str:project_name>/"
    name: str  # "namespace:name", or "" for an unnamed pattern
    callback: Callable[..., HttpResponse]

    @property
    def kwarg_converters(self) -> dict[str, str]:
        return {m["kwarg"]: m["conv"] or "str" for m in _PARAM.finditer(self.route)}

    def url(self, kwargs: dict[str, object]) -> str:
        url = "/" + _PARAM.sub(lambda m: str(kwargs[m["kwarg"]]), self.route)
        assert resolve(url).route == self.route, f"{url} does not reach {self.route}"
        return url


_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<kwarg>[^>]+)>")


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        assert isinstance(pattern.pattern, RoutePattern), (
            f"{pattern!r}: only path() routes are understood here; extend this test for re_path()"
        )
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern.url_patterns, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(route, name or "", pattern.callback)


ROUTES = list(_walk(get_resolver().url_patterns))
CHECKED = [r for r in ROUTES if r.route not in CSRF_EXEMPT]


def test_only_the_documented_token_apis_skip_csrf():
    exempt = {r.route for r in ROUTES if getattr(r.callback, "csrf_exempt", False)}
    assert exempt == set(CSRF_EXEMPT), (
        "csrf_exempt views must be token-authenticated APIs listed in CSRF_EXEMPT with a reason"
    )
    assert len(CHECKED) >= 50, [r.route for r in ROUTES]


@dataclass
class World:
    """Objects for the URLs' arguments, and one client per kind of visitor."""

    owner: User
    newcomer: User  # no second factor yet
    kwargs: dict[str, object] = field(default_factory=dict)  # by argument name
    by_route: dict[str, dict[str, object]] = field(default_factory=dict)  # by URL name

    def url(self, route: Route) -> str:
        placeholder = {"int": 999_999, "uuid": uuid.UUID(int=1)}
        values = {
            kwarg: self.by_route.get(route.name, {}).get(
                kwarg, self.kwargs.get(kwarg, placeholder.get(converter, "placeholder"))
            )
            for kwarg, converter in route.kwarg_converters.items()
        }
        # A callable is evaluated now: a password reset link is only valid until a login.
        return route.url({k: v() if callable(v) else v for k, v in values.items()})

    def visitor(self) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.get("/account/login/")
        assert django_settings.CSRF_COOKIE_NAME in client.cookies
        return client

    def member(self, user: User | None = None) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user or self.owner)
        client.get("/account/settings/")
        assert django_settings.CSRF_COOKIE_NAME in client.cookies
        return client

    def halfway(self) -> Client:
        """A visitor who gave the right password and is asked for the second factor."""
        client = self.visitor()
        answer = client.post(
            "/account/login/",
            {"username": self.owner.username, "password": PASSWORD},
            HTTP_X_CSRFTOKEN=token_of(client),
        )
        assert answer.status_code == 302, answer
        if answer.headers["Location"] == reverse("mfa:verify"):
            return client
        # Until the login page hands over to the second step, start the step as it will.
        client = self.visitor()
        session = client.session
        request = HttpRequest()
        request.session = session
        pending.begin(request, user=self.owner, purpose="login", next_url="/")
        session.save()
        return client


def token_of(client: Client) -> str:
    return client.cookies[django_settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def world(
    owner, maintainer, outsider, publish, settings, django_capture_on_commit_callbacks
) -> Iterator[World]:
    cache.clear()
    names._state = None
    settings.CSRF_FAILURE_VIEW = f"{__name__}.csrf_failure"
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    owner.is_staff = True
    owner.set_password(PASSWORD)
    owner.save()
    cli = actor_for_cli(owner)

    publish("lantern", version="1.0")
    publish("lantern", version="2.0")
    set_release_yanked(
        actor=cli, project_name="lantern", version="1.0", yanked=True, reason="broken"
    )
    lantern = Project.objects.get(name="lantern")
    Role.objects.create(user=maintainer, project=lantern, role=Role.Name.MAINTAINER)
    with django_capture_on_commit_callbacks(execute=True):
        invited = collaborators.invite_collaborator(
            actor=cli, project_name="lantern", username=outsider.username, role="maintainer"
        )
    beacon = Project.objects.create(name="beacon")
    Role.objects.create(user=maintainer, project=beacon, role=Role.Name.OWNER)
    inviting = RoleInvitation.objects.create(
        project=beacon, invitee=owner, inviter=maintainer, role=Role.Name.MAINTAINER
    )
    unverified = Email.objects.create(user=owner, email="olivia.new@example.com")
    Email.objects.create(user=owner, email="olivia.alt@example.com", verified=True)
    token, _secret = issue_token(actor=cli, user=owner, name="laptop")
    names.import_protected_names(pairs=[("requests", 1000)])
    verdict = names.check_project_name(name="reqeusts", user=outsider)
    names.reserve_held_project(
        name="reqeusts", user=outsider, actor=actor_for_cli(outsider), verdict=verdict
    )
    exception = names.add_exception(actor=cli, name="numpyy", user=outsider)
    prohibited = names.add_prohibited_name(actor=cli, name="forbidden-lamp", reason="test")
    credential = WebAuthnCredential.objects.create(
        user=owner, name="desk key", credential_id=b"key", credential_id_b64="a2V5", public_key=b"k"
    )

    newcomer = create_user(
        actor=actor_for_cli(),
        username="nina",
        email="nina@example.com",
        password=None,
        email_verified=True,
    )

    yield World(
        owner=owner,
        newcomer=newcomer,
        kwargs={
            "project_name": "lantern",
            "name": "lantern",
            "version": "1.0",
            "filename": "lantern-1.0-py3-none-any.whl",
            "username": maintainer.username,
            "invitation_id": inviting.pk,
            "email_id": unverified.pk,
            "token_id": token.pk,
            "credential_pk": credential.pk,
        },
        by_route={
            "web:user": {"name": owner.username},
            "packaging:cancel-invitation": {"invitation_id": invited.pk},
            "accounts:password-reset-confirm": {
                "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
                "token": lambda: default_token_generator.make_token(User.objects.get(pk=owner.pk)),
            },
            "accounts:verify-email": {"token": "not-a-real-link"},
            "names:approve-hold": {"name": "reqeusts"},
            "names:refuse-hold": {"name": "reqeusts"},
            "names:remove-exception": {"pk": exception.pk},
            "names:remove-prohibited": {"pk": prohibited.pk},
        },
    )
    names._state = None
    cache.clear()


def _post_with_token(client: Client, url: str):
    """POST an empty JSON body with the session's token in the header, as page scripts do
    (form views see an empty form; JSON endpoints can read the body)."""
    return client.post(
        url, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token_of(client)
    )


def _is_csrf_failure(response) -> bool:
    return response.status_code == 403 and FAILURE_HEADER in response.headers


@pytest.mark.parametrize("route", CHECKED, ids=[r.route or "/" for r in CHECKED])
def test_post_without_a_csrf_token_is_refused(route: Route, world: World):
    url = world.url(route)
    form = {"reason": "x", "confirm": "lantern", "role": "owner", "name": "x", "email": "x@x.org"}
    for who, client in {"visitor": world.visitor(), "staff owner": world.member()}.items():
        refused = client.post(url, form)
        assert _is_csrf_failure(refused), (who, refused.status_code, refused.headers)
        assert "CSRF token" in refused.headers[FAILURE_HEADER], refused.headers[FAILURE_HEADER]
        forged = "A" * 64
        for sent in (
            client.post(url, {**form, "csrfmiddlewaretoken": forged}),
            client.post(url, form, HTTP_X_CSRFTOKEN=forged),
            client.post(url, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=forged),
        ):
            assert _is_csrf_failure(sent), (who, sent.status_code)

    # The same request with the session's token passes the check: the 403s were CSRF's.
    client = world.member()
    with transaction.atomic():
        accepted = _post_with_token(client, url)
        transaction.set_rollback(True)
    assert not _is_csrf_failure(accepted), accepted.headers[FAILURE_HEADER]


def test_token_apis_ignore_the_browser_session(world: World):
    """The CSRF-exempt APIs do not act on a logged-in session's say-so."""
    client = world.member()
    upload = client.post("/legacy/", {":action": "file_upload", "name": "lantern"})
    assert upload.status_code in (401, 403), upload
    report = client.post("/_/secrets/disclose-token", "[]", content_type="application/json")
    assert report.status_code in (401, 403), report


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._open = {
                "method": (attributes.get("method") or "get").lower(),
                "action": attributes.get("action") or "",
                "token": "",
            }
            self.forms.append(self._open)
        elif (
            tag == "input"
            and self._open is not None
            and attributes.get("name") == "csrfmiddlewaretoken"
        ):
            self._open["token"] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _accepts_post(world: World, route: Route) -> bool:
    """Whether the view takes a POST at all (405 if not), undoing whatever the POST did."""
    client = world.member()
    with transaction.atomic():
        response = _post_with_token(client, world.url(route))
        transaction.set_rollback(True)
    return response.status_code != 405


def test_every_post_form_carries_a_csrf_token(world: World, maintainer, outsider):
    visitors = {
        "visitor": world.visitor(),
        "staff owner": world.member(),
        "maintainer": world.member(maintainer),
        "invitee": world.member(outsider),
        "no second factor": world.member(world.newcomer),
    }
    # Each route once, and the other state of a page that shows one form or another. URLs are
    # made just before each visit: a password reset link is only valid until the next login.
    pages: list[Callable[[], str]] = [partial(world.url, route) for route in CHECKED]
    pages.append(lambda: "/manage/project/lantern/release/2.0/")
    missing: list[str] = []
    targets: set[str] = set()
    pages_with_forms = 0
    for make_url in pages:
        # Halfway through logging in, afresh each time: other pages may end the second step.
        for who, client in {**visitors, "second step": world.halfway()}.items():
            url = make_url()
            try:
                page = client.get(url, follow=True)
            except RedirectCycleError:
                # /simple/ names the read path's page for reverse() and redirects to itself
                # here; the real server answers it before Django.
                continue
            if page.status_code != 200 or "html" not in page.headers.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(page.content.decode())
            posting = [f for f in parser.forms if f["method"] == "post"]
            pages_with_forms += bool(posting)
            where = page.request["PATH_INFO"]
            for form in posting:
                if not form["token"]:
                    missing.append(f"{where} as {who}: form to {form['action'] or where!r}")
                target = urlsplit(urljoin(where, form["action"])).path
                try:
                    targets.add(resolve(target).route)
                except Resolver404:
                    missing.append(f"{where} as {who}: form to unknown {target!r}")
    assert not missing, "POST forms without a csrfmiddlewaretoken:\n" + "\n".join(missing)
    assert pages_with_forms >= 20, pages_with_forms

    takes_post = {
        r.route
        for r in CHECKED
        if r.name not in SCRIPT_POSTED | NOT_FORM_TARGETS.keys() and _accepts_post(world, r)
    }
    unreached = sorted(takes_post - targets)
    assert not unreached, f"URLs taking POST that no rendered form posts to: {unreached}"
