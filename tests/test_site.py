"""`alignfetch site`: the static site's files, their safety and determinism, and the command.

What the page does in a browser is tests/test_site_browser.py's; here the files are read
as text: what they hold, that the same document gives the same bytes, that a hostile
export stays data, and that the command writes only inside its folder or nothing at all.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from alignfetch.errors import InputError
from alignfetch.site import build, pages
from alignfetch.site.model import anchor
from conftest import Fakes, run, state

ROOT = Path(__file__).parents[1]
EXPORT = ROOT / "tests" / "data" / "render" / "reference_export.json"
IDS = [
    "arxiv:2206.08325",
    "arxiv:2204.05862",
    "arxiv:2305.01937",
    "arxiv:2306.05685",
    "arxiv:2305.16960",
    "arxiv:2305.14929",
    "hf:Anthropic/hh-rlhf",
    "hf:liyucheng/zhihu_rlhf_3k",
    "gh:PKU-Alignment/safe-rlhf",
    "gh:CarperAI/trlx",
    "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
    "gh:lucidrains/PaLM-rlhf-pytorch",
]


def reference() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXPORT.read_text(encoding="utf-8"))
    return doc


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


# Catches: an entry dropped or shown twice (a cross-listed one, a section with no
# heading), and anchors that break the permalink form.
def test_every_entry_once_with_its_id_and_anchor() -> None:
    tags = parsed(pages(reference())["index.html"]).tags
    articles = [a for t, a in tags if t == "article"]
    assert [a["data-id"] for a in articles] == IDS
    assert articles[3]["id"] == "arxiv-2306.05685"
    ids = [a["id"] for _, a in tags if "id" in a]
    assert len(ids) == len(set(ids))  # no two elements share an anchor
    links = {a["href"] for t, a in tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert {"#" + a["id"] for a in articles} <= links  # each entry links to itself


# Catches: an anchor scheme that maps two IDs to one anchor (hf:model-x and
# hf-model:x both becoming "hf-model-x"), or one that changes between builds.
def test_the_anchor_scheme_is_one_to_one_and_readable() -> None:
    assert anchor("arxiv:2306.05685") == "arxiv-2306.05685"
    assert anchor("gh:owner/name") == "gh-owner/name"
    assert anchor("hf-model:org/x") == "hfmodel-org/x"
    assert anchor("hf:model-x") != anchor("hf-model:x")
    assert anchor("url:https://example.org/a b?c#d") == "url-https%3A//example.org/a%20b%3Fc%23d"


# Catches: a fact the document has that the page leaves out (the venue override, the
# affiliation, stars, licence, a maintainer's link, the abstract).
def test_each_entry_shows_the_facts_the_document_has() -> None:
    files = pages(reference())
    html = files["index.html"]
    judge = html[html.index('data-id="arxiv:2306.05685"') :]
    judge = judge[: judge.index("</article>")]
    assert "Judging LLM-as-a-judge with MT-Bench and Chatbot Arena" in judge
    assert "Lianmin Zheng" in judge and "UC Berkeley" in judge and "9 Jun 2023" in judge
    assert 'href="https://arxiv.org/abs/2306.05685"' in judge
    assert "<details" in judge and "Abstract" in judge
    data = json.loads(
        files["assets/entries.js"].removeprefix("window.alignfetchEntries = ").rstrip(";\n")
    )
    assert "llm-as-a-judge" in data["abstracts"][3].lower()
    assert "lianmin zheng" in data["q"][3] and "uc berkeley" in data["q"][3]
    trlx = html[html.index('data-id="gh:CarperAI/trlx"') :]
    trlx = trlx[: trlx.index("</article>")]
    assert 'data-stars="4697"' in trlx and "4,697" in trlx and "MIT" in trlx
    harmful = html[html.index('data-id="arxiv:2206.08325"') :]
    assert 'href="https://www.perspectiveapi.com/"' in harmful[: harmful.index("</article>")]
    assert "NeurIPS 2022" in harmful and "DeepMind" in harmful


# Catches: citation counts from Semantic Scholar (issue 21) never reaching the page once
# the export carries them, and the sort by citations having nothing to sort on.
def test_citation_counts_are_shown_when_the_document_has_them() -> None:
    doc = reference()
    doc["entries"][3]["citation_count"] = 1234
    doc["entries"][2]["scholarly"] = {"citation_count": 56}
    doc["entries"][3]["venue_source"] = "Semantic Scholar"
    html = pages(doc)["index.html"]
    assert 'data-cites="1234"' in html and "1,234" in html
    assert 'data-cites="56"' in html and "Semantic Scholar" in html
    assert "data-cites" not in pages(reference())["index.html"]


# Catches: a nightly build whose site differs byte for byte from the night before with
# nothing changed (a timestamp, a set's order, a float printed differently).
def test_the_same_document_gives_the_same_bytes(tmp_path: Path) -> None:
    build(reference(), tmp_path / "a")
    build(copy.deepcopy(reference()), tmp_path / "b")
    a = {
        p.relative_to(tmp_path / "a"): p.read_bytes()
        for p in (tmp_path / "a").rglob("*")
        if p.is_file()
    }
    b = {
        p.relative_to(tmp_path / "b"): p.read_bytes()
        for p in (tmp_path / "b").rglob("*")
        if p.is_file()
    }
    assert a == b
    assert sorted(map(str, a)) == [
        "assets/entries.js",
        "assets/icon.svg",
        "assets/site.css",
        "assets/site.js",
        "index.html",
    ]


# Catches: a page that asks another host for something (a CDN script, a web font, an
# analytics pixel): every src and stylesheet is a file of the site, and the CSP allows
# nothing else.
def test_the_page_loads_only_its_own_files() -> None:
    files = pages(reference())
    tags = parsed(files["index.html"]).tags
    loaded = sorted(
        a.get("src") or a.get("href") or ""
        for t, a in tags
        if t in ("script", "img", "iframe")
        or (t == "link" and a.get("rel") in ("stylesheet", "icon"))
    )
    assert loaded == ["assets/entries.js", "assets/icon.svg", "assets/site.css", "assets/site.js"]
    assert all(name in files for name in loaded)
    assert "http" not in files["assets/site.css"] and "@import" not in files["assets/site.css"]
    assert not re.search(r"https?://", files["assets/site.js"])
    csp = next(
        a["content"]
        for t, a in tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in (csp or "")


# Catches: a title or abstract that opens a tag (an export is a file anyone can edit),
# and a link to javascript: that would run when clicked.
def test_a_hostile_export_stays_text() -> None:
    doc = reference()
    e = doc["entries"][0]
    e["title"] = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    e["abstract"] = "</script><script>alert(3)</script>\u2028"
    e["url"] = "javascript:alert(4)"
    e["links"] = {"<b>x</b>": "javascript:alert(5)", "ok": "https://example.org/"}
    files = pages(doc)
    html, js = files["index.html"], files["assets/entries.js"]
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://example.org/"' in html
    assert "</script>" not in js and "\u2028" not in js


# Catches: the year chart counting the undated, or a chart without a text alternative.
def test_the_charts_are_labelled_inline_svg() -> None:
    tags = parsed(pages(reference())["index.html"]).tags
    svgs = [a for t, a in tags if t == "svg"]
    assert [a.get("role") for a in svgs] == ["img", "img"]
    labels = [a["aria-label"] or "" for a in svgs]
    assert labels[0] == "Entries per year, by section. 2022: 3; 2023: 5."
    assert labels[1].startswith("Venues that recur, by number of entries. arXiv: 5; NeurIPS: 2")


# Catches: an export that is not one (a list, another schema) crashing with a traceback
# instead of one sentence.
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(schema_version=2), "schema_version 2"),
        (lambda d: d.update(entries={}), "entries must be a list"),
        (lambda d: d["entries"][0].update(kind="video"), "has kind 'video'"),
        (lambda d: d["entries"][0].update(sections=["nowhere"]), "names section 'nowhere'"),
        (lambda d: d["entries"][0].update(date="2023-02-30"), "not a real date"),
    ],
)
def test_a_malformed_document_is_one_sentence(change: Any, said: str) -> None:
    doc = reference()
    change(doc)
    with pytest.raises(InputError, match=re.escape(said)):
        pages(doc)


# -- the command -------------------------------------------------------------------


# Catches: `site --from` needing a cache (a fresh clone of a list has only its export).
def test_site_from_an_export_needs_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("site", "-o", "public", "--from", str(EXPORT))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Wrote the site to public/index.html." in result.stderr
    assert (tmp_path / "public" / "index.html").read_text(encoding="utf-8").count("<article") == 12
    assert not (tmp_path / ".alignfetch").exists()


# Catches: the site built from the cache disagreeing with the one from the export of
# that same cache (the two paths the nightly job and a fresh clone take).
def test_site_from_the_cache_equals_site_from_its_export(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "entries.toml", tmp_path / "entries.toml")
    monkeypatch.chdir(tmp_path)
    assert run("refresh").exit_code == 0
    assert run("site", "-o", "from-cache").exit_code == 0
    assert run("export", "-o", "alignfetch.json").exit_code == 0
    assert run("site", "-o", "from-export", "--from", "alignfetch.json").exit_code == 0
    for name in ("index.html", "assets/entries.js"):
        assert (tmp_path / "from-cache" / name).read_bytes() == (
            tmp_path / "from-export" / name
        ).read_bytes()
    assert (tmp_path / "from-cache" / "index.html").read_text(encoding="utf-8").count(
        "<article"
    ) == 12


# Catches: -o naming a file: replaced by a folder, or a traceback (NotADirectoryError).
def test_an_output_that_is_a_file_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "public").write_text("mine\n", encoding="utf-8")
    before = state(tmp_path)
    result = run("site", "-o", "public", "--from", str(EXPORT))
    assert result.exit_code == 2
    assert (
        result.stderr
        == "alignfetch: public is a file, not a folder; give -o the folder to write the site into.\n"
    )
    assert state(tmp_path) == before


# Catches: a write that follows a symbolic link out of the folder (an assets/ link
# planted in a checked-out gh-pages branch) and overwrites a file elsewhere.
def test_nothing_is_written_outside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "site.css").write_text("precious\n", encoding="utf-8")
    (tmp_path / "public").mkdir()
    os.symlink(elsewhere, tmp_path / "public" / "assets")
    before = state(tmp_path)
    result = run("site", "-o", "public", "--from", str(EXPORT))
    assert result.exit_code == 2
    assert "leads out of public" in result.stderr
    assert state(tmp_path) == before
    assert not (tmp_path / "public" / "index.html").exists()


# Catches: a bad export leaving half a site (index.html of the new list, assets of the
# old) or a folder made for nothing.
def test_a_bad_export_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = reference()
    doc["entries"][5]["kind"] = "video"
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("site", "-o", "public", "--from", "bad.json")
    assert result.exit_code == 2
    assert "has kind 'video'" in result.stderr
    assert not (tmp_path / "public").exists()


# Catches: --strict ignored by `site` (a nightly job publishing a page with unfetched
# entries), and the warning missing without it.
def test_strict_refuses_an_entry_with_no_cached_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    doc = reference()
    doc["entries"][0] = {
        "id": "arxiv:2401.00001",
        "kind": "paper",
        "section": "safety",
        "sections": ["safety"],
        "cached": False,
        "title": None,
        "description": None,
        "url": "https://arxiv.org/abs/2401.00001",
        "venue": None,
        "affiliation": None,
        "date": None,
        "links": {},
        "overrides": {},
    }
    (tmp_path / "doc.json").write_text(json.dumps(doc), encoding="utf-8")
    strict = run("site", "-o", "public", "--from", "doc.json", "--strict")
    assert strict.exit_code == 1
    assert "1 entry has no cached record yet: arxiv:2401.00001" in strict.stderr
    assert not (tmp_path / "public").exists()
    lenient = run("site", "-o", "public", "--from", "doc.json")
    assert lenient.exit_code == 0
    assert "no cached record yet" in lenient.stderr
    html = (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
    assert 'data-id="arxiv:2401.00001"' in html and "Not fetched yet" in html
