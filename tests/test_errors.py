"""Bad input and upstream failures: one plain sentence, the right exit code, nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Fakes, run, state
from fakes.arxiv import RATE_EXCEEDED, UNAVAILABLE
from fakes.server import Response
from test_ids import MALFORMED


@pytest.fixture
def populated(fakes: Fakes, listdir: Path) -> Path:
    """A list with one paper already added (so a cache exists to be kept intact)."""
    assert run("add", "arxiv:2305.01937", "-s", "evaluation").exit_code == 0
    return listdir


def check_failure(result, code: int, *phrases: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("alignfetch: ") and "\n" not in message
    assert "Traceback" not in message
    for phrase in phrases:
        assert phrase in message


@pytest.mark.parametrize("bad", [b for b in MALFORMED if b.strip()])
def test_malformed_id(fakes: Fakes, populated: Path, bad: str) -> None:
    before = state(populated)
    check_failure(run("add", bad, "-s", "evaluation"), 2, "is not an ID", "2305.01937")
    assert state(populated) == before
    assert fakes.arxiv_requests() == 1  # only the fixture's own add


def test_one_malformed_id_among_good_ones_adds_nothing(fakes: Fakes, populated: Path) -> None:
    before = state(populated)
    check_failure(run("add", "2206.08325", "hep-th/990100", "-s", "safety"), 2, "hep-th/990100")
    assert state(populated) == before and fakes.arxiv_requests() == 1


def test_unknown_id(fakes: Fakes, populated: Path) -> None:
    before = state(populated)
    check_failure(run("add", "2301.99999", "-s", "evaluation"), 1, "arxiv:2301.99999 does not exist")
    assert state(populated) == before
    assert fakes.arxiv_requests() == 1 + 2  # asked, then asked once more


def test_unknown_id_among_good_ones_adds_nothing(fakes: Fakes, populated: Path) -> None:
    before = state(populated)
    check_failure(run("add", "2206.08325", "2301.99999", "-s", "safety"), 1, "2301.99999")
    assert state(populated) == before


def test_unknown_section(fakes: Fakes, populated: Path) -> None:
    before = state(populated)
    check_failure(run("add", "2206.08325", "-s", "nope"), 2, "no section 'nope'", "evaluation")
    assert state(populated) == before and fakes.arxiv_requests() == 1


@pytest.mark.parametrize("form", ["2305.01937v2", "https://arxiv.org/pdf/2305.01937", "10.48550/arXiv.2305.01937"])
def test_duplicate_in_another_form(fakes: Fakes, populated: Path, form: str) -> None:
    before = state(populated)
    check_failure(run("add", form, "-s", "safety"), 2, "arxiv:2305.01937 is already", "'evaluation'")
    assert state(populated) == before and fakes.arxiv_requests() == 1


def test_same_paper_twice_in_one_add(fakes: Fakes, listdir: Path) -> None:
    before = state(listdir)
    check_failure(run("add", "2206.08325", "arXiv:2206.08325v2", "-s", "safety"), 2, "same entry")
    assert state(listdir) == before


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("[list\ntitle = 'x'\n", "is not valid TOML"),
        ("[[sections]]\nslug = 'a'\n", "needs a title"),
        ("[[sections]]\nslug = 'a'\ntitle = 'A'\n[[entries]]\nid = 'nope'\nsection = 'a'\n", "is not an ID"),
        ("[[sections]]\nslug = 'a'\ntitle = 'A'\n[[entries]]\nid = '2305.01937'\nsection = 'b'\n", "section 'b'"),
        ("[[sections]]\nslug = 'a'\ntitle = 'A'\nparent = 'z'\n", "parent 'z'"),
        (
            "[[sections]]\nslug = 'a'\ntitle = 'A'\n[[entries]]\nid = '2305.01937'\nsection = 'a'\n"
            "[[entries]]\nid = 'arXiv:2305.01937v1'\nsection = 'a'\n",
            "repeats entry 1",
        ),
        ("[[sections]]\nslug = 'a'\ntitle = 'A'\n[[entries]]\nid = '2305.01937'\nsection = 'a'\ndate = '3 May'\n", "YYYY-MM-DD"),
        ("[[sections]]\nslug = 'a'\ntitle = 'A'\n[[entries]]\nid = '2305.01937'\nsection = 'a'\nvenu = 'x'\n", "unknown key"),
    ],
)
def test_broken_entries_toml(fakes: Fakes, listdir: Path, text: str, phrase: str) -> None:
    (listdir / "entries.toml").write_text(text)
    before = state(listdir)
    check_failure(run("add", "2206.08325", "-s", "a"), 2, "entries.toml", phrase)
    check_failure(run("list"), 2, phrase)
    assert state(listdir) == before and fakes.arxiv_requests() == 0


def test_missing_entries_toml(fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_failure(run("list"), 2, "does not exist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fault", "times", "phrases", "requests"),
    [
        (Response(400, "bad"), 1, ("HTTP 400", "malformed"), 1),
        (RATE_EXCEEDED, 99, ("HTTP 429", "wait a few minutes"), 3),
        (UNAVAILABLE, 99, ("HTTP 503",), 3),
        (Response(500, "oops"), 99, ("HTTP 500",), 3),
        (Response(200, "", delay=3), 1, ("did not answer within 2 seconds",), 1),
    ],
    ids=["400", "429", "503", "500", "timeout"],
)
def test_upstream_failure_changes_nothing(
    fakes: Fakes, populated: Path, fault: Response, times: int, phrases: tuple[str, ...], requests: int
) -> None:
    before = state(populated)
    fakes.server.fail("/api/query", fault, times=times)
    check_failure(run("add", "2206.08325", "-s", "safety"), 1, *phrases)
    assert state(populated) == before
    assert fakes.arxiv_requests() == 1 + requests


def test_bad_override_values(fakes: Fakes, populated: Path) -> None:
    before = state(populated)
    check_failure(run("add", "2206.08325", "-s", "safety", "--date", "2023-02-30"), 2, "not a real date")
    check_failure(run("add", "2206.08325", "-s", "safety", "--link", "Github=ftp://x"), 2, "http(s) URL")
    bad_link = run("add", "2206.08325", "-s", "safety", "--link", "nourl")
    assert bad_link.exit_code == 2 and "NAME=URL" in bad_link.stderr
    assert state(populated) == before and fakes.arxiv_requests() == 1


def test_bad_environment_setting(fakes: Fakes, populated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "soon")
    check_failure(run("add", "2206.08325", "-s", "safety"), 2, "ALIGNFETCH_TIMEOUT")


def test_corrupt_cache_is_reported(fakes: Fakes, populated: Path) -> None:
    cache = populated / ".alignfetch" / "cache.sqlite"
    cache.write_bytes(b"this is not sqlite" * 100)
    before = state(populated)
    check_failure(run("list"), 1, "could not be opened", "delete it")
    assert state(populated) == before
