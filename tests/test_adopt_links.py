"""Issue 20, item 5: links of the right kind, and every link of a README accounted for.

Through `import --dry-run --json` (and `add`, `render`) on small READMEs and on the real
lists of tests/data/lists/: a GitHub ``/blob/`` link is a file (a ``url:`` entry named by
its file, or an entry's link), never a ``gh:…/tree/…`` folder; a ``/tree/BRANCH`` link keeps
its branch; bare URLs and ``<…>`` autolinks are links; ``#anchor`` and ``./#anchor`` links
are the table of contents; the page's furniture is skipped with its reason unless it sits
inside an entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alignfetch.readme import markdown as md
from alignfetch.sources import github
from conftest import Fakes, add_sections, run

DATA = Path(__file__).parent / "data"
REAL = sorted((DATA / "lists").glob("*.README.md")) + [
    DATA / "reference" / "awesome-llm-alignment.README.md"
]


def report(folder: Path, readme: str | Path) -> dict:  # type: ignore[type-arg]
    """The `import --dry-run --json` report of ``readme`` (a text, or a file)."""
    if isinstance(readme, str):
        path = folder / "README.md"
        path.write_text(readme, encoding="utf-8")
    else:
        path = readme
    result = run("import", "--dry-run", "--json", str(path))
    assert result.exit_code == 0, result.output
    doc: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    assert not (folder / "entries.toml").exists()  # a dry run writes nothing
    return doc


def by_id(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {e["id"]: e for e in doc["entries"]}


# -- /blob/ links are files --------------------------------------------------------------

BLOBS = """# My list

## Papers

- [DeepSeek-R1 report](https://github.com/deepseek-ai/DeepSeek-R1/blob/main/DeepSeek_R1.pdf)
- https://github.com/o/notes/blob/main/docs/how-to-PR.md
- [Repo](https://github.com/o/r2) [PDF](https://github.com/o/r2/blob/main/paper.pdf)
"""


# Bug: a /blob/BRANCH/path link (a PDF, a Markdown file) became the folder entry
# gh:o/r/tree/main/DeepSeek_R1.pdf, which fetches the repository and names a folder
# that does not exist; it must be a web link named by the link's text, else its file.
def test_import_makes_a_blob_link_a_web_link_named_by_its_file(empty: Path) -> None:
    doc = report(empty, BLOBS)
    entries = by_id(doc)
    assert not [i for i in entries if "/tree/" in i]
    pdf = entries["url:https://github.com/deepseek-ai/DeepSeek-R1/blob/main/DeepSeek_R1.pdf"]
    assert pdf["title"] == "DeepSeek-R1 report"
    how = entries["url:https://github.com/o/notes/blob/main/docs/how-to-PR.md"]
    assert how["title"] == "how-to-PR.md"  # a bare link has no text: its file names it
    # Inside an entry a /blob/ link is that entry's link, not an entry of its own.
    assert entries["gh:o/r2"]["links"] == {"PDF": "https://github.com/o/r2/blob/main/paper.pdf"}


# Bug: `add https://github.com/o/r/blob/main/README.md` wrote a folder entry
# gh:o/r/tree/main/README.md (and rendered it as a folder named README.md).
def test_add_makes_a_blob_link_a_web_link_named_by_its_file(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    url = "https://github.com/PKU-Alignment/safe-rlhf/blob/main/docs/SafeRLHF.pdf"
    result = run("add", url, "-s", "rlhf")
    assert result.exit_code == 0, result.output
    text = (listdir / "entries.toml").read_text(encoding="utf-8")
    assert f'id = "url:{url}"' in text and "/tree/" not in text
    assert fakes.github_requests() == 0  # a file is no repository to ask about
    page = run("render").stdout
    assert f"[SafeRLHF.pdf]({url})" in page


# Bug: no real list may turn a /blob/ link into a gh:…/tree/… entry; deepseek's list has
# 68 /blob/ links (PDFs, docs/…/README.md) that all became folders.
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name.split(".")[0])
def test_no_real_list_makes_a_folder_of_a_blob_link(empty: Path, path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = report(empty, path)
    for entry in doc["entries"]:
        if entry["id"].startswith("gh:") and "/tree/" in entry["id"]:
            owner, repo, _, branch, *_ = entry["id"][3:].split("/")
            tree = f"github.com/{owner}/{repo}/tree/{branch}".lower()
            # the entry's block starts at its line; its link is on that line or below
            block = "\n".join(lines[entry["line"] - 1 : entry["line"] + 20]).lower()
            assert tree in block, entry
        if entry["id"].startswith("url:") and "/blob/" in entry["id"]:
            assert entry.get("title"), entry  # named by its text, else its file
    if path.name.startswith("deepseek-ai"):
        files = [i for i in by_id(doc) if re.match(r"url:https://github\.com/.+/blob/", i)]
        assert len(files) >= 5


# -- a branch is kept ----------------------------------------------------------------------

BRANCHES = """# My list

## Code

- [Paper code](https://github.com/o/r/tree/iclr19)
- [Its folder](https://github.com/o2/r2/tree/iclr19/src/model)
- [Loop GPT](https://github.com/o3/r3/tree/main) and [the same](https://github.com/o3/r3)
"""


# Bug: a `/tree/iclr19` link became gh:o/r, whose page is the default branch: the
# maintainer's link to the code of one paper lost its branch.
def test_import_keeps_the_branch_of_a_tree_link(empty: Path) -> None:
    doc = report(empty, BRANCHES)
    assert list(by_id(doc)) == [
        "gh:o/r/tree/iclr19",
        "gh:o2/r2/tree/iclr19/src/model",
        "gh:o3/r3/tree/main",
    ]
    # The repository on a branch is one entry with the repository.
    assert "https://github.com/o3/r3" not in json.dumps(doc["entries"])
    assert [s["reason"] for s in doc["skipped"]] == [
        "the entry's own link again (gh:o3/r3/tree/main)"
    ]
    # Rendered with no cache at all, each links where the README did.
    assert run("import", str(empty / "README.md")).exit_code == 0
    result = run("--offline", "render")
    assert result.exit_code == 0, result.output
    assert "(https://github.com/o/r/tree/iclr19)" in result.stdout
    assert "(https://github.com/o2/r2/tree/iclr19/src/model)" in result.stdout


# Bug: `add …/tree/BRANCH` dropped the branch (the record linked to the repository's
# default branch), and the repository and its branch were two entries.
def test_add_keeps_the_branch_of_a_repository_link(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    url = "https://github.com/microsoft/DeepSpeedExamples/tree/v0.9"
    result = run("add", url, "-s", "rlhf")
    assert result.exit_code == 0, result.output
    assert 'id = "gh:microsoft/DeepSpeedExamples/tree/v0.9"' in (
        (listdir / "entries.toml").read_text(encoding="utf-8")
    )
    page = run("render").stdout
    assert f"({url})" in page
    again = run("add", "gh:microsoft/DeepSpeedExamples", "-s", "rlhf")
    assert again.exit_code == 2 and "already in the list" in again.stderr


def test_a_repository_on_a_branch_is_the_repository_linked_on_its_branch() -> None:
    body = {
        "full_name": "o/r",
        "html_url": "https://github.com/o/r",
        "name": "r",
        "stargazers_count": 1,
    }
    record = github.convert({**body, "default_branch": "main"}, "o/r/tree/iclr19")
    assert (record.title, record.url, record.path) == (
        "r",
        "https://github.com/o/r/tree/iclr19",
        None,
    )


# -- bare URLs and autolinks ---------------------------------------------------------------

BARE = """# My list

## Papers

- Paper: https://arxiv.org/abs/2305.01937.
- <https://github.com/o/autolinked>
- Docs (see https://example.org/a_(b)) and www.example.com, not `https://code.example/x`.
"""


# Bug: a plain https://… in text, which GitHub shows as a link, was not a link: the
# entry it was the only link of was lost (and `<https://…>` must stay one).
def test_import_takes_bare_urls_and_autolinks_as_links(empty: Path) -> None:
    doc = report(empty, BARE)
    entries = by_id(doc)
    assert list(entries) == [
        "arxiv:2305.01937",
        "gh:o/autolinked",
        "url:https://example.org/a_(b)",
    ]
    # GitHub's rules: trailing punctuation is not part of the link, an unmatched ")" is
    # not either, www. gets http://, and code spans hold no links.
    assert entries["url:https://example.org/a_(b)"]["links"] == {
        "www.example.com": "http://www.example.com"
    }
    assert doc["skipped"] == []


def test_bare_urls_are_found_as_github_finds_them() -> None:
    found = [t for _, _, t in md.autolinks("x https://a.org/p?q=1, (https://b.org/c) www.c.org.")]
    assert found == ["https://a.org/p?q=1", "https://b.org/c", "http://www.c.org"]
    assert md.autolinks("x{https://a.org} https://bad_host.org/ www.a_b.com") == []


# -- the table of contents -----------------------------------------------------------------

TOC = """# My list

- [Papers](#papers)
- [Tools](./#tools)

## Papers

- [A paper](https://arxiv.org/abs/2305.01937) [back to top](#my-list)

## Tools

- [A tool](https://github.com/o/tool)
"""


# Bug: #anchor and ./#anchor links were dropped without a word (10 to 130 of them in
# real lists), and ./#anchor was called "a relative link (a file beside the list)".
def test_import_reports_anchor_links_as_the_table_of_contents(empty: Path) -> None:
    doc = report(empty, TOC)
    assert [(t["line"], t["url"]) for t in doc["toc"]] == [
        (3, "#papers"),
        (4, "./#tools"),
        (8, "#my-list"),
    ]
    assert doc["skipped"] == []
    text = run("import", "--dry-run", str(empty / "README.md")).stderr
    assert "3 links to the page's own headings (table of contents), on lines 3-4, 8." in text


# -- page furniture ------------------------------------------------------------------------

FURNITURE = """# My list

Follow us on [Twitter](https://twitter.com/mylist) and [Discord](https://discord.gg/abc).
[Newsletter](https://mylist.substack.com/) · [Sponsor us](https://github.com/sponsors/me)

Open an [issue](https://github.com/me/list/issues) or see the
[stargazers](https://github.com/me/list/stargazers).

## Papers

- [A paper](https://arxiv.org/abs/2305.01937) by [@author](https://twitter.com/author)
- [A thread on it](https://twitter.com/author/status/1234567890)
- [A post](https://someone.substack.com/p/a-post)

## Footer

Template from [awesome-template](https://github.com/someone/awesome-template).

[Newsletter](https://mylist.substack.com/)
"""


# Bug: the page's furniture became entries (a newsletter, Twitter, Discord, the list's
# own issues page, a template's credit), and a newsletter linked twice fired `duplicate`.
def test_import_skips_the_page_furniture_with_its_reason(empty: Path) -> None:
    doc = report(empty, FURNITURE)
    entries = by_id(doc)
    assert list(entries) == [
        "arxiv:2305.01937",
        "url:https://twitter.com/author/status/1234567890",  # a tweet may be a work
        "url:https://someone.substack.com/p/a-post",  # so may a post
    ]
    # Inside an entry, a social link is the entry's link.
    assert entries["arxiv:2305.01937"]["links"] == {"@author": "https://twitter.com/author"}
    assert doc["duplicates"] == []
    reasons = {s["url"]: (s["line"], s["reason"]) for s in doc["skipped"]}
    assert reasons == {
        "https://twitter.com/mylist": (
            3,
            "a social-media profile, the page's furniture, outside any entry",
        ),
        "https://discord.gg/abc": (
            3,
            "a chat server's invitation, the page's furniture, outside any entry",
        ),
        "https://mylist.substack.com/": (
            19,
            "a newsletter's sign-up page, the page's furniture, outside any entry",
        ),
        "https://github.com/sponsors/me": (
            4,
            "a sponsorship page, the page's furniture, outside any entry",
        ),
        "https://github.com/me/list/issues": (
            6,
            "a repository's issues page, the page's furniture, outside any entry",
        ),
        "https://github.com/me/list/stargazers": (
            7,
            "a repository's stargazers page, the page's furniture, outside any entry",
        ),
        "https://github.com/someone/awesome-template": (
            17,
            "a template's credit, the page's furniture",
        ),
    }
    assert len(doc["skipped"]) == 8  # the newsletter twice, each with its line


# -- every link accounted for --------------------------------------------------------------


def _links(text: str) -> int:
    """Every link and image the Markdown reader finds (headings and blocks alike)."""
    doc = md.parse(text)
    return sum(len(e.links) for e in doc.events if isinstance(e, md.Block | md.Heading))


# Bug: links silently fell out of the report (#anchor links, a duplicate's badges), so
# "every link is accounted for" did not hold on real lists.
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name.split(".")[0])
def test_every_link_of_a_real_list_is_accounted_for(empty: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc = report(empty, path)
    accounted = sum(
        (0 if "via" in e else 1) + len(e.get("links", {})) + len(e["badges"])
        for e in doc["entries"]
    )
    accounted += len(doc["skipped"]) + len(doc["toc"])
    accounted += sum(len(d["lines"]) - 1 for d in doc["duplicates"])
    accounted += len(doc["cross_listed"])  # the same work under another heading
    assert accounted == _links(text)
    assert all(s["reason"] for s in doc["skipped"])
