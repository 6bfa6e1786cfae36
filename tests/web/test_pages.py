"""The public pages: home, project, release and user pages, their redirects and 404s."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.views.defaults import server_error

from stockade.audit.actors import actor_for_cli
from stockade.packaging.models import File, Project, Role
from stockade.packaging.services import set_release_yanked
from stockade.web.csp import POLICY
from stockade.web.search import update_search_index

pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    """Collect every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def headings_of(html: str) -> list[int]:
    return [int(tag[1]) for tag, _ in tags_of(html) if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]


def test_home_lists_recent_releases_newest_first(client, publish):
    publish("alpha", summary="First of all")
    publish("beta", summary="Second thing")

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "First of all" in html and "Second thing" in html
    assert html.index("/project/beta/1.0/") < html.index("/project/alpha/1.0/")
    assert "2 projects" in html
    assert "/simple/ PROJECT" in html


def test_home_says_when_nothing_is_uploaded(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "Nothing has been uploaded yet." in response.content.decode()


def test_project_page_shows_readme_metadata_and_install_command(client, publish):
    publish(
        "Demo_Pkg",
        summary="A demonstration",
        description="# Demo heading\n\nSome *emphasis* here.\n",
        requires_python=">=3.10",
        requires_dist=["requests>=2"],
        classifiers=[
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: MIT License",
        ],
        fields={
            "author": "Ada Lovelace",
            "author_email": "ada@example.com",
            "license": "MIT",
            "keywords": "demo, example",
            "project_urls": ["Source, https://example.com/src", "Docs, https://example.com/docs"],
            "home_page": "https://example.com/",
        },
    )

    response = client.get("/project/demo-pkg/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Demo_Pkg" in html
    assert "A demonstration" in html
    assert "<em>emphasis</em>" in html
    assert "Ada Lovelace" in html and "ada@example.com" in html
    assert "MIT" in html
    assert "demo, example" in html
    assert "&gt;=3.10" in html
    assert "requests&gt;=2" in html
    assert '<a href="https://example.com/src" rel="nofollow noopener">Source</a>' in html
    assert '<a href="https://example.com/docs" rel="nofollow noopener">Docs</a>' in html
    assert '<a href="https://example.com/" rel="nofollow noopener">Homepage</a>' in html
    assert (
        "<dt>Programming Language</dt>" in html and "<dd>OSI Approved :: MIT License</dd>" in html
    )
    assert "pip install --index-url http://testserver/simple/ demo-pkg</code>" in html
    assert '<a href="/user/olivia/">olivia</a>' in html


def test_project_page_headings_stay_in_order_below_the_readme(client, publish):
    publish("headings", description="# Readme title\n\n## Section\n")

    html = client.get("/project/headings/").content.decode()

    levels = headings_of(html)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert '<h3 id="user-content-readme-title">Readme title' in html


def test_project_page_lists_files_with_sizes_hashes_and_upload_times(client, publish):
    publish("files-demo")
    publish("files-demo", kind="sdist")

    html = client.get("/project/files-demo/").content.decode()

    for file in File.objects.all():
        assert f'href="/{file.path}"' in html
        assert file.filename in html
        assert file.sha256 in html and file.blake2_256 in html
        assert str(filesizeformat(file.size)) in html
        assert f'datetime="{file.upload_time.isoformat()}"' in html
    assert "wheel" in html and "source distribution" in html


def test_readme_script_never_becomes_a_script_element(client, publish):
    publish(
        "sneaky",
        description=(
            "# Hello\n\n<script>alert('readme')</script>\n\n"
            '<img src="x.png" onerror="alert(1)">\n\n'
            "[click](javascript:alert(2))\n\n"
            '<a href="#" onclick="alert(3)">a</a>\n'
        ),
    )

    response = client.get("/project/sneaky/")

    html = response.content.decode()
    tags = tags_of(html)
    assert not [tag for tag, _ in tags if tag in {"script", "iframe", "object", "embed"}]
    assert not [attrs for _, attrs in tags if any(name.startswith("on") for name in attrs)]
    assert "javascript:" not in html.lower()
    assert "<script" not in html.lower()


def test_project_pages_forbid_inline_script_by_policy(client, publish):
    publish("policy")

    for url in ("/project/policy/", "/project/policy/1.0/", "/", "/search/?q=policy"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert policy == POLICY
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "object-src 'none'" in policy


def test_release_history_marks_yanked_releases_with_their_reason(client, publish):
    publish("yanky", version="1.0")
    publish("yanky", version="2.0")
    publish("yanky", version="2.1rc1")
    set_release_yanked(
        actor=actor_for_cli(),
        project_name="yanky",
        version="2.0",
        yanked=True,
        reason="Broke imports",
    )

    html = client.get("/project/yanky/").content.decode()

    history = html[html.index('id="history-heading"') :]
    assert history.index(">2.1rc1<") < history.index(">2.0<") < history.index(">1.0<")
    item = history[history.index(">2.0<") : history.index(">1.0<")]
    assert "yanked" in item and "Reason: Broke imports" in item
    # The default release is the newest final release that is not yanked.
    assert '<h1>yanky <span class="version">1.0</span></h1>' in html


def test_yanked_release_page_warns_and_pins_the_install_command(client, publish):
    publish("yanky", version="1.0")
    publish("yanky", version="2.0")
    set_release_yanked(
        actor=actor_for_cli(),
        project_name="yanky",
        version="2.0",
        yanked=True,
        reason="Broke imports",
    )

    html = client.get("/project/yanky/2.0/").content.decode()

    assert "This release is yanked." in html
    assert "Reason: Broke imports" in html
    assert "yanky==2.0</code>" in html


def test_older_release_page_points_to_the_latest(client, publish):
    publish("versions", version="1.0", summary="Old summary")
    publish("versions", version="2.0", summary="New summary")

    html = client.get("/project/versions/1.0/").content.decode()

    assert "Old summary" in html and "New summary" not in html
    assert "the latest is 2.0" in html
    assert "versions==1.0</code>" in html
    assert 'aria-current="page">1.0</a>' in html


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/project/Mixed_Case.Name/", "/project/mixed-case-name/"),
        ("/project/MIXED-CASE-NAME/1.0/", "/project/mixed-case-name/1.0/"),
        ("/project/mixed-case-name/1.0.0/", "/project/mixed-case-name/1.0/"),
        ("/user/OLIVIA/", "/user/olivia/"),
    ],
)
def test_other_spellings_redirect_permanently(client, publish, path, target):
    publish("Mixed_Case.Name")

    response = client.get(path)

    assert response.status_code == 301
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "path", ["/project/nothing/", "/project/present/9.9/", "/user/nobody/", "/project/present/x y/"]
)
def test_unknown_pages_are_404_in_the_site_layout(client, publish, path):
    publish("present")

    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert 'class="site-header"' in html


def test_user_page_lists_their_projects(client, publish, outsider):
    publish("first-project", summary="One")
    publish("second-project", summary="Two")

    html = client.get("/user/olivia/").content.decode()
    other = client.get(f"/user/{outsider.username}/").content.decode()

    assert "2 projects" in html
    assert '<a href="/project/first-project/">first-project</a>' in html
    assert "Two" in html
    assert "0 projects" in other and "first-project" not in other


def test_inactive_user_page_is_404(client, owner):
    get_user_model().objects.filter(pk=owner.pk).update(is_active=False)

    assert client.get(f"/user/{owner.username}/").status_code == 404


def test_pages_refuse_writes(client, publish):
    publish("readonly")

    assert client.post("/project/readonly/").status_code == 405
    assert client.head("/project/readonly/").status_code == 200


def test_project_without_releases_still_has_a_page(client, db):
    Project.objects.create(name="empty-shell")

    response = client.get("/project/empty-shell/")

    assert response.status_code == 200
    assert "This project has no releases." in response.content.decode()


def test_server_error_page_renders_without_a_request_context(rf):
    response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html
    assert 'id="content"' in html


def test_held_projects_are_never_shown(client, make_project, owner):
    held = make_project("held-name", summary="Awaiting review")
    Project.objects.filter(pk=held.pk).update(held=True)
    Role.objects.create(user=owner, project=held, role=Role.Name.OWNER)
    update_search_index(held.pk)

    assert client.get("/project/held-name/").status_code == 404
    assert client.get("/project/held-name/1.0/").status_code == 404
    assert "held-name" not in client.get("/").content.decode()
    assert "held-name" not in client.get(f"/user/{owner.username}/").content.decode()
    assert "/project/held-name/" not in client.get("/search/", {"q": "held"}).content.decode()
