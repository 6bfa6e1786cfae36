"""Rendering simple pages: PEP 503 HTML and PEP 691 JSON carry the same facts, safely escaped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from stockade.simple.render import (
    API_VERSION,
    FileEntry,
    ProjectPage,
    render_index_html,
    render_index_json,
    render_project_html,
    render_project_json,
)

MOMENT = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
SHA = "a" * 64
META_SHA = "b" * 64


def _entry(**overrides) -> FileEntry:
    values = {
        "filename": "demo-1.0-py3-none-any.whl",
        "url": "../../packages/ab/cd/ef/demo-1.0-py3-none-any.whl",
        "sha256": SHA,
        "size": 1234,
        "upload_time": MOMENT,
    }
    values.update(overrides)
    return FileEntry(**values)


def _page(*entries: FileEntry, name: str = "Demo", versions=("1.0",)) -> ProjectPage:
    return ProjectPage(name=name, normalized_name="demo", versions=versions, files=entries)


class _Anchors(HTMLParser):
    """Collect every <a>'s attributes and text, as pip's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append((dict(attrs), ""))
            self._in = "a"
        elif tag == "meta":
            attributes = dict(attrs)
            self.meta[attributes.get("name") or ""] = attributes.get("content")
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "a":
            attributes, text = self.anchors[-1]
            self.anchors[-1] = (attributes, text + data)
        elif self._in == "title":
            self.title += data


def _parse(body: bytes) -> _Anchors:
    parser = _Anchors()
    parser.feed(body.decode())
    return parser


# -- project page, HTML ---------------------------------------------------------------------


def test_project_html_links_each_file_with_its_hash():
    body = render_project_html(_page(_entry()))
    parsed = _parse(body)
    assert parsed.meta["pypi:repository-version"] == API_VERSION
    [(attributes, text)] = parsed.anchors
    assert attributes["href"] == f"../../packages/ab/cd/ef/demo-1.0-py3-none-any.whl#sha256={SHA}"
    assert text == "demo-1.0-py3-none-any.whl"
    assert "data-requires-python" not in attributes
    assert "data-yanked" not in attributes
    assert "data-core-metadata" not in attributes
    assert "data-dist-info-metadata" not in attributes


def test_project_html_escapes_requires_python():
    body = render_project_html(_page(_entry(requires_python="<4,>=3.8")))
    assert b'data-requires-python="&lt;4,&gt;=3.8"' in body
    [(attributes, _)] = _parse(body).anchors
    assert attributes["data-requires-python"] == "<4,>=3.8"


def test_project_html_escapes_the_display_name():
    body = render_project_html(_page(name='<script>alert("x")</script>'))
    assert b"<script>" not in body
    assert _parse(body).title == 'Links for <script>alert("x")</script>'


def test_project_html_escapes_yank_reason_and_filename():
    entry = _entry(
        filename="demo-1.0&<>.tar.gz",
        url='../../packages/x/"y"/demo.tar.gz',
        yanked=True,
        yanked_reason='broken "quoted" <b>reason</b> & more',
    )
    body = render_project_html(_page(entry))
    assert b"<b>" not in body
    [(attributes, text)] = _parse(body).anchors
    assert attributes["data-yanked"] == 'broken "quoted" <b>reason</b> & more'
    assert attributes["href"] == f'../../packages/x/"y"/demo.tar.gz#sha256={SHA}'
    assert text == "demo-1.0&<>.tar.gz"


def test_project_html_marks_yank_without_reason_with_empty_attribute():
    [(attributes, _)] = _parse(render_project_html(_page(_entry(yanked=True)))).anchors
    assert attributes["data-yanked"] == ""


def test_project_html_advertises_core_metadata_under_both_names():
    [(attributes, _)] = _parse(render_project_html(_page(_entry(metadata_sha256=META_SHA)))).anchors
    assert attributes["data-core-metadata"] == f"sha256={META_SHA}"
    assert attributes["data-dist-info-metadata"] == f"sha256={META_SHA}"


def test_project_html_keeps_file_order():
    entries = [_entry(filename=f"demo-{v}.tar.gz", url=f"f/demo-{v}.tar.gz") for v in "123"]
    texts = [text for _, text in _parse(render_project_html(_page(*entries))).anchors]
    assert texts == ["demo-1.tar.gz", "demo-2.tar.gz", "demo-3.tar.gz"]


# -- project page, JSON ---------------------------------------------------------------------


def test_project_json_has_pep_691_700_714_shape():
    document = json.loads(
        render_project_json(
            _page(
                _entry(requires_python=">=3.8", metadata_sha256=META_SHA),
                versions=("0.9", "1.0"),
            )
        )
    )
    assert document == {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "versions": ["0.9", "1.0"],
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "../../packages/ab/cd/ef/demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": SHA},
                "requires-python": ">=3.8",
                "size": 1234,
                "upload-time": "2024-05-06T07:08:09.123456Z",
                "yanked": False,
                "core-metadata": {"sha256": META_SHA},
                "dist-info-metadata": {"sha256": META_SHA},
            }
        ],
    }


def test_project_json_api_version_is_at_least_1_1():
    major, minor = (
        int(p) for p in json.loads(render_project_json(_page()))["meta"]["api-version"].split(".")
    )
    assert (major, minor) >= (1, 1)


def test_project_json_uses_null_and_false_for_missing_facts():
    [item] = json.loads(render_project_json(_page(_entry())))["files"]
    assert item["requires-python"] is None
    assert item["core-metadata"] is False
    assert item["dist-info-metadata"] is False
    assert item["yanked"] is False


def test_project_json_yanked_is_the_reason_or_true():
    entries = (
        _entry(filename="a.whl", yanked=True, yanked_reason="security hole"),
        _entry(filename="b.whl", yanked=True),
    )
    files = json.loads(render_project_json(_page(*entries)))["files"]
    assert [f["yanked"] for f in files] == ["security hole", True]


def test_project_json_upload_time_has_pep_700_format():
    [item] = json.loads(render_project_json(_page(_entry())))["files"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", item["upload-time"])


def test_project_json_keeps_unicode_and_is_valid_utf8():
    body = render_project_json(_page(_entry(yanked=True, yanked_reason="kaputt \u2013 ümlaut")))
    assert "kaputt \u2013 ümlaut".encode() in body
    assert json.loads(body.decode("utf-8"))["files"][0]["yanked"] == "kaputt \u2013 ümlaut"


def test_project_json_with_no_files_is_still_a_page():
    document = json.loads(render_project_json(_page(versions=())))
    assert document["files"] == []
    assert document["versions"] == []


# -- project list ---------------------------------------------------------------------------


def test_index_html_links_normalized_names_and_shows_display_names():
    body = render_index_html([("Quick_Start", "quick-start"), ("<evil>", "evil")])
    parsed = _parse(body)
    assert parsed.meta["pypi:repository-version"] == API_VERSION
    assert parsed.anchors == [
        ({"href": "quick-start/"}, "Quick_Start"),
        ({"href": "evil/"}, "<evil>"),
    ]
    assert b"<evil>" not in body


def test_index_json_lists_project_names():
    document = json.loads(render_index_json([("Quick_Start", "quick-start"), ("b", "b")]))
    assert document == {
        "meta": {"api-version": "1.1"},
        "projects": [{"name": "Quick_Start"}, {"name": "b"}],
    }


def test_index_of_no_projects_renders():
    assert _parse(render_index_html([])).anchors == []
    assert json.loads(render_index_json([]))["projects"] == []
