"""arXiv's entries known by their own fingerprint (issue 23, warm ``refresh --all``).

arXiv sends no ETag. alignfetch stores each paper with a digest of its entry as sent
and of the code that read it (:func:`arxiv.fingerprint`); an entry sent again unchanged,
to the same code, is not read again: the cached record stands, marked checked. Any
change of the entry, or of the code, reads it again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from lxml import etree
from test_refresh_writes import ODD_FEED
from test_speed3_net import PLACEHOLDER

from alignfetch.http.policy import Answer
from alignfetch.sources import arxiv, arxiv_feed
from alignfetch.sources.arxiv_feed import feed_problem, forget, raw_entries
from conftest import ARXIV_FEEDS, Fakes, run

PAPER = "arxiv:2305.01937"
CACHE = Path(".alignfetch") / "cache.sqlite"


def row(listdir: Path, rid: str) -> tuple[dict[str, object], str | None]:
    with sqlite3.connect(listdir / CACHE) as conn:
        record, etag = conn.execute(
            "SELECT record, etag FROM records WHERE id = ?", (rid,)
        ).fetchone()
    return json.loads(record), etag


def set_title(listdir: Path, rid: str, title: str) -> None:
    """The cached record's title changed in place (its fingerprint kept)."""
    record, _ = row(listdir, rid)
    record["title"] = title
    with sqlite3.connect(listdir / CACHE) as conn:
        conn.execute("UPDATE records SET record = ? WHERE id = ?", (json.dumps(record), rid))


def added(listdir: Path) -> None:
    result = run("add", PAPER, "-s", "evaluation")
    assert result.exit_code == 0, result.output


# Bugs: an entry arXiv sends again unchanged read, converted, compared and cleaned anew
# every night (most of a warm refresh's time with arXiv); or, the other way, an entry
# "known" by something less than its whole text and the code that read it (its ID, its
# version, its <updated>), so that a journal reference or a corrected title arXiv adds
# without a new version never reaches the list, nor the fix an upgrade brings.
def test_an_entry_sent_again_is_not_read_again_and_any_change_is(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added(listdir)
    record, etag = row(listdir, PAPER)
    assert etag is not None and etag.startswith("entry:")
    # The cached record says something the entry does not: a refresh that read the
    # entry would bring the title back; one that knows the entry keeps the record.
    set_title(listdir, PAPER, "Kept as it was")
    result = run("refresh", "--all")
    assert (result.exit_code, result.stdout) == (0, "Checked 1 entry: nothing changed.\n")
    assert row(listdir, PAPER) == ({**record, "title": "Kept as it was"}, etag)

    # The code that reads entries changed (an upgrade): every entry is read again.
    monkeypatch.setattr(arxiv_feed, "_reader", lambda: b"another alignfetch")
    result = run("refresh", "--all")
    assert result.exit_code == 0 and "title changed" in result.stdout
    fixed, etag2 = row(listdir, PAPER)
    assert fixed == record and etag2 not in (None, etag)

    # arXiv's entry changed without a new version (a journal reference added).
    xml = fakes.arxiv.entry("2305.01937").decode()
    journal = "<arxiv:journal_ref>ACL 2023</arxiv:journal_ref></entry>"
    fakes.arxiv.put(xml.replace("</entry>", journal))
    result = run("refresh", "--all")
    assert result.exit_code == 0 and "published: ACL 2023" in result.stdout
    assert row(listdir, PAPER)[0]["journal_ref"] == "ACL 2023"


# Bug: a fingerprint trusted for a row whose record is of another kind or ID (a cache
# written by hand or by a bug): the paper would be "confirmed" as that record.
def test_a_fingerprint_on_another_record_is_not_trusted(fakes: Fakes, listdir: Path) -> None:
    added(listdir)
    record, etag = row(listdir, PAPER)
    record["id"] = "arxiv:2401.00001"
    with sqlite3.connect(listdir / CACHE) as conn:
        conn.execute("UPDATE records SET record = ? WHERE id = ?", (json.dumps(record), PAPER))
    assert run("refresh", "--all").exit_code == 0
    assert row(listdir, PAPER)[0]["id"] == PAPER


def _without_tail(xml: str) -> bytes:
    return etree.tostring(etree.fromstring(xml), with_tail=False)


# Bugs: the entries read_papers keeps differing from the ones raw_entries cut (another
# key, the entry's surroundings counted, a feed read the forgiving way keeping none), or
# an entry that matches its fingerprint being counted differently from a read one (a
# paging count off, an error entry taken for a paper).
@pytest.mark.parametrize("vouched", [True, False])
def test_entries_kept_while_reading_are_the_raw_entries(vouched: bool) -> None:
    bodies = [path.read_bytes() for path in ARXIV_FEEDS] + [ODD_FEED, PLACEHOLDER]
    for body in bodies:
        forget()
        if vouched:
            assert feed_problem("u", Answer(200, {}, body)) is None
        plain = arxiv.read_papers(body).results
        entries: dict[str, arxiv.Entry] = {}
        forget()
        if vouched:
            assert feed_problem("u", Answer(200, {}, body)) is None
        assert arxiv.read_papers(body, {}, entries).results == plain
        raw = raw_entries([("u", body)])
        assert entries.keys() == raw.keys()
        for key, entry in entries.items():
            assert _without_tail(entry.xml) == _without_tail(raw[key])
            assert entry.etag == (arxiv.fingerprint(entry.xml) if vouched else None)
        if not vouched:
            continue
        # What a cache holds: the fingerprints of the entries that made papers.
        papers = {r.id.split(":", 1)[1] for r in plain if r is not None}
        known = {key: entry.etag for key, entry in entries.items() if key in papers}
        forget()
        assert feed_problem("u", Answer(200, {}, body)) is None
        again = arxiv.read_papers(body, known, {}).results
        assert len(again) == len(plain)
        assert [isinstance(r, arxiv.Same) for r in again] == [r is not None for r in plain]
        assert [r.key for r in again if isinstance(r, arxiv.Same)] == [
            r.id.split(":", 1)[1] for r in plain if r is not None
        ]
    forget()


# Bug: a fingerprint of the entry alone: an upgraded alignfetch that reads an entry
# differently would keep every record the old one made.
def test_the_fingerprint_holds_the_code_that_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    xml = "<entry><id>http://arxiv.org/abs/2305.01937v2</id></entry>"
    before = arxiv.fingerprint(xml)
    assert arxiv.fingerprint(xml) == before and arxiv.fingerprint(xml + " ") != before
    monkeypatch.setattr(arxiv_feed, "_reader", lambda: b"another alignfetch")
    assert arxiv.fingerprint(xml) != before


# Bugs: a refresh whose collector passes over its millions of objects took a tenth of its
# time; or one that holds the collector off and never gives it back (a program using the
# Python API would never collect a cycle again), not even when the refresh fails.
def test_a_refresh_holds_the_collector_off_and_gives_it_back(
    fakes: Fakes, listdir: Path
) -> None:
    import gc

    from alignfetch.workspace import Workspace

    added(listdir)
    seen: list[bool] = []
    Workspace(listdir / "entries.toml").refresh(
        everything=True, progress=lambda n: seen.append(gc.isenabled())
    )
    assert seen and not any(seen) and gc.isenabled()

    def fail(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Workspace(listdir / "entries.toml").refresh(everything=True, progress=fail)
    assert gc.isenabled()


# Bug: the code in the fingerprint taken as alignfetch's files on this disk (their paths
# and times): a nightly job installs alignfetch afresh each night, so no entry would ever
# be known, and every unchanged paper would be read and written again every night.
def test_the_code_in_the_fingerprint_outlives_a_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    from alignfetch import version

    before = version.source()
    copy = tmp_path / "elsewhere" / "alignfetch"
    shutil.copytree(version._PACKAGE, copy)  # another place, other times: a reinstall
    for path in copy.rglob("*.py"):
        os.utime(path, ns=(1, 1))
    monkeypatch.setattr(version, "_PACKAGE", copy)
    assert version.source() == before
    (copy / "records.py").write_text(
        (copy / "records.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"
    )
    assert version.source() != before


HEAD = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>x</id><opensearch:totalResults>2</opensearch:totalResults>
"""
GOOD = (
    b"<entry><id>http://arxiv.org/abs/2305.01937v2</id><title>Real title</title>"
    b"<updated>2023-05-03T00:00:00Z</updated><published>2023-05-03T00:00:00Z</published>"
    b"<summary>S</summary><author><name>A</name></author></entry>"
)
BROKEN = b"<entry><id>http://arxiv.org/abs/2305.01937v9</id><title>Hostile</title></entry>"


# Bug: one paper twice in one answer (a hostile proxy at ALIGNFETCH_ARXIV_URL), its
# record made of one entry and stored with the other's fingerprint: an answer of the
# other alone, an entry that makes no paper at all, would then "confirm" the record.
@pytest.mark.parametrize("vouched", [True, False])
def test_a_paper_sent_twice_in_one_answer_is_known_by_neither_entry(vouched: bool) -> None:
    def read(body: bytes, known: dict[str, str]) -> tuple[list[object], dict[str, arxiv.Entry]]:
        forget()
        if vouched:
            assert feed_problem("u", Answer(200, {}, body)) is None
        entries: dict[str, arxiv.Entry] = {}
        results = arxiv.read_papers(body, known, entries).results
        forget()
        return results, entries

    twice, entries = read(HEAD + GOOD + BROKEN + b"</feed>", {})
    assert [getattr(r, "title", None) for r in twice] == ["Real title"]
    assert entries["2305.01937"].etag is None  # stored without a fingerprint
    if not vouched:
        return  # a feed not vouched for is never fingerprinted
    once, alone = read(HEAD + GOOD + b"</feed>", {})
    known = {"2305.01937": alone["2305.01937"].etag}
    assert read(HEAD + GOOD + b"</feed>", known)[0] == [arxiv.Same("2305.01937")]
    # Sent twice, even an entry matching the fingerprint is read again, never taken as it.
    again, _ = read(HEAD + GOOD + BROKEN + b"</feed>", known)
    assert again == once


# Bug: the version split off anywhere but at the end, or from an ID of a "v" alone, or a
# letter taken for a digit: the paper stored under another key or version.
@pytest.mark.parametrize(
    ("short_id", "split"),
    [
        ("2305.01937v2", ("2305.01937", 2)),
        ("2305.01937", ("2305.01937", 1)),
        ("hep-ex/0406020v1", ("hep-ex/0406020", 1)),
        ("solv-int/9901001v3", ("solv-int/9901001", 3)),
        ("2305.01937v12", ("2305.01937", 12)),
        ("abv1v2", ("abv1", 2)),
        ("2305.01937v2x", ("2305.01937v2x", 1)),
        ("v2", ("v2", 1)),
        ("2305.01937v", ("2305.01937v", 1)),
        ("a\nbv1", ("a\nbv1", 1)),
    ],
)
def test_split_version_as_the_pattern_splits(short_id: str, split: tuple[str, int]) -> None:
    import re

    from alignfetch.sources.arxiv_feed import split_version

    m = re.fullmatch(r"(.+?)v(\d+)", short_id)
    assert split == ((m[1], int(m[2])) if m else (short_id, 1))  # the reference
    assert split_version(short_id) == split
