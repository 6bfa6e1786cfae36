"""Fitting a stored README under the page's headings."""

from __future__ import annotations

from stockade.web.readme import demote_headings


def test_demote_headings_moves_every_heading_down_two_levels():
    html = '<h1 id="a">A</h1><H2>B</H2><h3\nclass="x">C</h3>'

    assert demote_headings(html) == '<h3 id="a">A</h3><h4>B</h4><h5\nclass="x">C</h5>'


def test_demote_headings_stops_at_h6():
    assert demote_headings("<h5>x</h5><h6>y</h6>") == "<h6>x</h6><h6>y</h6>"


def test_demote_headings_leaves_other_tags_and_text_alone():
    html = "<header>h1</header><hr><p>&lt;h1&gt;</p>"

    assert demote_headings(html) == html
