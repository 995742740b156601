"""Issue 18, item 1 (the Hub's part): an answer of the Hugging Face Hub that does not
decode and parse as what it should be is a failed fetch, for every Hub kind.

Each case serves one bad answer, through the fake Hub, on one route: a kind's API
JSON (datasets, models, Spaces, collections, paper pages) or a card (README.md) at a
new commit (datasets, models). `refresh` must report the entry as failed and keep its
cached row byte for byte (and `show` as it was); `add` must fail with one sentence and
leave entries.toml and the cache as they were. The bad answers are the shapes the
audit used: invalid UTF-8, binary, truncated JSON, JSON of the wrong type, JSON or
XML nested deeper than a parser's recursion, XML with external or recursive entities
(never expanded: alignfetch does not parse a card as XML at all), and a 200 whose
fields are not of the types the Hub documents.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ARXIV_FEEDS, DATA, ENTRIES, Fakes, add_sections, run, state
from fakes.arxiv import FakeArxiv
from fakes.faults import nested_json, nested_xml
from fakes.github import FakeGitHub
from fakes.hub import FakeHub
from fakes.server import FakeServer, Response

DATASET = "Anthropic/hh-rlhf"
MODEL = "google-bert/bert-base-uncased"
SPACE = "webml-community/ternary-bonsai-2-webgpu-kernels"
COLLECTION = "prism-ml/bonsai-2-6aab292b9fa72a78652429df"
PAPER = "2305.16960"
MODEL_CARD = "# BERT\n\n## Model summary\n\nA masked language model, pretrained on English.\n"

KINDS = {
    # kind: (ID, section, API route, card route or None)
    "dataset": (f"hf:{DATASET}", "english", r"^/api/datasets/", r"^/datasets/.*/resolve/"),
    "model": (f"hf-model:{MODEL}", "models", r"^/api/models/", rf"^/{MODEL}/resolve/"),
    "space": (f"hf-space:{SPACE}", "demos", r"^/api/spaces/", None),
    "collection": (f"hf-collection:{COLLECTION}", "models", r"^/api/collections/", None),
}
# An ID of each kind that is not in the list yet, for `add` (served by the fakes).
TO_ADD = {
    "dataset": ("hf:liyucheng/zhihu_rlhf_3k", "english"),
    "model": ("hf-model:HuggingFaceH4/zephyr-7b-beta", "models"),
    "space": (f"hf-space:{SPACE}", "demos"),
    "collection": (f"hf-collection:{COLLECTION}", "models"),
}

JSON = {"Content-Type": "application/json; charset=utf-8"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}
XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE card [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<card>&xxe;</card>\n"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)
DOCTYPE_ONLY = b'<!DOCTYPE card SYSTEM "http://169.254.169.254/latest/meta-data/">\n<card/>\n'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"

# Bodies that are no answer of the Hub's API (which sends JSON objects), each with why
# it is refused: the reason the transport's check gives.
API_JUNK: dict[str, tuple[bytes, str]] = {
    "not-utf8": (b'{"id": "x", "sha": "\xff\xfe\xfd"}', "not UTF-8"),
    "latin-1": ('{"id": "Résumé"}'.encode("latin-1"), "not UTF-8"),
    "utf-16": ('{"id": "x"}'.encode("utf-16"), "not UTF-8"),
    "binary": (PNG, "not UTF-8"),
    "truncated": (b'{"id": "x", "sha":', "not JSON"),
    "list": (b'["a", "list"]', "JSON that is not an object"),
    "null": (b"null", "JSON that is not an object"),
    "string": (b'"a string"', "JSON that is not an object"),
    "number": (b"42", "JSON that is not an object"),
    "nested-json": (nested_json(), "JSON nested too deep"),
    "nested-object": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "JSON nested too deep"),
    "nested-xml": (nested_xml(), "not JSON"),
    "xxe": (XXE, "not JSON"),
    "billion-laughs": (LAUGHS, "not JSON"),
}

# Bodies that are no card (a README.md is Markdown text), each with why it is refused.
CARD_JUNK: dict[str, tuple[bytes, str]] = {
    "not-utf8": (b"# Card\n\nA summary with \xff\xfe bytes that are not UTF-8.\n", "not UTF-8"),
    "latin-1": ("# Carte\n\nRésumé du jeu de données.\n".encode("latin-1"), "not UTF-8"),
    "utf-16": ("# Card\n\nA summary.\n".encode("utf-16"), "not UTF-8"),
    "binary": (PNG, "not UTF-8"),
    "nul-bytes": (b"# Card\n\nText\x00\x00\x00\x00 and zero bytes.\n", "binary data"),
    "truncated-json": (b'{"id": "x", "sha":', "JSON"),
    "json-object": (b'{"id": "x", "sha": "0000"}', "JSON"),
    "json-list": (b'["a", "list"]', "JSON"),
    "json-null": (b"null", "JSON"),
    "json-array-of-objects": (b'[{"id": "x"}, {"id": ', "JSON"),
    "nested-json": (nested_json(), "JSON"),
    "nested-xml": (nested_xml(), "markup nested too deep"),
    "xml": (b'<?xml version="1.0"?>\n<feed><entry>A</entry></feed>\n', "an XML document"),
    "xxe": (XXE, "an XML document"),
    "billion-laughs": (LAUGHS, "an XML document"),
    "doctype": (DOCTYPE_ONLY, "an XML document"),
}


def api_message(ident: str, why: str) -> str:
    return (
        f"The Hugging Face Hub sent an answer for {ident} that is not valid ({why}) "
        "after 2 attempts; try again later."
    )


def card_message(kind: str, ident: str, why: str) -> str:
    return (
        f"The Hugging Face Hub sent a {kind} card for {ident} that is not Markdown text "
        f"({why}); try again later."
    )


def hub_sections(folder: Path) -> None:
    add_sections(folder)
    with (folder / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[sections]]\nslug = "models"\ntitle = "Models"\n'
            '\n[[sections]]\nslug = "demos"\ntitle = "Demos"\n'
        )


def serve_papers(server: FakeServer) -> FakeArxiv:
    """The fake arXiv, also serving the (constructed) papers the models' tags name."""
    from lxml import etree

    arxiv = FakeArxiv(server, ARXIV_FEEDS)
    root = etree.parse(str(DATA / "hf" / "constructed_arxiv_papers_of_models.xml")).getroot()
    for entry in root.iterfind("{http://www.w3.org/2005/Atom}entry"):
        arxiv.put(etree.tostring(entry))
    return arxiv


def set_up(fakes: Fakes) -> None:
    """What every test's fake Hub serves besides the recorded bodies: a model card."""
    fakes.hub.model_card(MODEL, MODEL_CARD)
    fakes.hub.model_card("HuggingFaceH4/zephyr-7b-beta", MODEL_CARD)
    serve_papers_on(fakes)


def serve_papers_on(fakes: Fakes) -> None:
    from lxml import etree

    root = etree.parse(str(DATA / "hf" / "constructed_arxiv_papers_of_models.xml")).getroot()
    for entry in root.iterfind("{http://www.w3.org/2005/Atom}entry"):
        fakes.arxiv.put(etree.tostring(entry))


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A list holding a paper (with its Hub page), a dataset and a model (each with a
    card), a Space and a collection, fetched once for the module."""
    folder = tmp_path_factory.mktemp("listed")
    (folder / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    hub_sections(folder)
    server = FakeServer()
    hub = FakeHub(server, [DATA / "hf", DATA / "reference" / "hf"])
    hub.card(DATASET, DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md")
    hub.model_card(MODEL, MODEL_CARD)
    FakeGitHub(server, DATA / "github", DATA / "reference" / "github")
    serve_papers(server)
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {
            "ALIGNFETCH_ARXIV_URL": f"{server.url}/api/query",
            "ALIGNFETCH_ARXIV_DELAY": "0",
            "ALIGNFETCH_GITHUB_URL": server.url,
            "HF_ENDPOINT": server.url,
        }.items():
            mp.setenv(var, value)
        mp.delenv("HF_TOKEN", raising=False)
        mp.chdir(folder)
        for kind, (ident, section, _, _) in KINDS.items():
            result = run("add", ident, "-s", section)
            assert result.exit_code == 0, (kind, result.output)
        assert run("add", PAPER, "-s", "evaluation").exit_code == 0
    server.close()
    yield folder


@pytest.fixture
def hub_list(
    fakes: Fakes, listed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the listed folder, the current directory, with the fakes serving."""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "1")
    set_up(fakes)
    folder = tmp_path / "list"
    shutil.copytree(listed, folder)
    monkeypatch.chdir(folder)
    return folder


def rows(folder: Path) -> dict[str, tuple[str, str, str]]:
    """Each cached row: the record, the raw answer and when it was fetched."""
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        return {
            rid: (record, raw, str(at))
            for rid, record, raw, at in db.execute("SELECT id, record, raw, fetched_at FROM records")
        }


def one_failure(result: object, ident: str, message: str) -> None:
    """`refresh --only KIND` of one entry: that entry failed, with ``message``."""
    assert (result.exit_code, result.stderr) == (1, ""), result.output  # type: ignore[attr-defined]
    assert result.stdout == (  # type: ignore[attr-defined]
        "Checked 1 entry: 1 failed.\n\n"
        f"Failed (their last good data is kept):\n- {ident}: {message}\n"
    )


def new_commit(fakes: Fakes, kind: str) -> None:
    """The repository moved to a new commit: its card is asked for again."""
    table = fakes.hub.datasets if kind == "dataset" else fakes.hub.models
    key = (DATASET if kind == "dataset" else MODEL).lower()
    table[key] = dict(table[key], sha="0" * 40)


# -- a kind's API answer ---------------------------------------------------------------


@pytest.mark.parametrize("junk", list(API_JUNK))
@pytest.mark.parametrize("kind", list(KINDS))
def test_refresh_keeps_the_record_when_the_api_answer_is_junk(
    hub_list: Path, fakes: Fakes, kind: str, junk: str
) -> None:
    """Catches a Hub answer that is not the JSON object the API documents being stored
    (or reported as 'nothing changed') instead of failing the entry."""
    ident, _, route, _ = KINDS[kind]
    body, why = API_JUNK[junk]
    before, shown = rows(hub_list), run("show", ident).stdout
    fakes.server.fail(route, Response(200, body, JSON), times=99)
    result = run("refresh", "--all", "--only", kind)
    one_failure(result, ident, api_message(ident, why))
    assert rows(hub_list)[ident] == before[ident]
    assert run("show", ident).stdout == shown


@pytest.mark.parametrize("junk", list(API_JUNK))
@pytest.mark.parametrize("kind", list(KINDS))
def test_add_fails_and_writes_nothing_when_the_api_answer_is_junk(
    fakes: Fakes, listdir: Path, kind: str, junk: str
) -> None:
    """Catches `add` storing a junk answer, or failing with a traceback."""
    set_up(fakes)
    hub_sections(listdir)
    ident, section = TO_ADD[kind]
    body, why = API_JUNK[junk]
    before = state(listdir)
    fakes.server.fail(KINDS[kind][2], Response(200, body, JSON), times=99)
    result = run("add", ident, "-s", section)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"alignfetch: {api_message(ident, why).replace('2 attempts', '3 attempts')}\n"
    assert state(listdir) == before


# -- a card at a new commit -----------------------------------------------------------


CARDED = [k for k, v in KINDS.items() if v[3] is not None]


@pytest.mark.parametrize("junk", list(CARD_JUNK))
@pytest.mark.parametrize("kind", CARDED)
def test_refresh_keeps_the_record_when_the_card_is_junk(
    hub_list: Path, fakes: Fakes, kind: str, junk: str
) -> None:
    """Catches a card that is not Markdown text (the audit saw `{"id": "x", "sha":` or
    None as the summary) replacing the last good record's summary."""
    ident, _, _, card_route = KINDS[kind]
    assert card_route is not None
    body, why = CARD_JUNK[junk]
    before, shown = rows(hub_list), run("show", ident).stdout
    assert json.loads(before[ident][0])["summary"]  # there is a good summary to keep
    new_commit(fakes, kind)
    fakes.server.fail(card_route, Response(200, body, TEXT), times=99)
    result = run("refresh", "--all", "--only", kind)
    one_failure(result, ident, card_message(kind, ident, why))
    assert rows(hub_list)[ident] == before[ident]
    assert run("show", ident).stdout == shown
    # Once the Hub sends the card again, the new commit is taken.
    fakes.server.faults.clear()
    assert run("refresh", "--all", "--only", kind).exit_code == 0
    assert json.loads(rows(hub_list)[ident][0])["sha"] == "0" * 40


@pytest.mark.parametrize("junk", list(CARD_JUNK))
@pytest.mark.parametrize("kind", CARDED)
def test_add_fails_and_writes_nothing_when_the_card_is_junk(
    fakes: Fakes, listdir: Path, kind: str, junk: str
) -> None:
    """Catches `add` storing a junk card's summary (or none) as if it were the card."""
    set_up(fakes)
    hub_sections(listdir)
    ident, section = TO_ADD[kind]
    body, why = CARD_JUNK[junk]
    before = state(listdir)
    fakes.server.fail("/resolve/", Response(200, body, TEXT), times=99)
    result = run("add", ident, "-s", section)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == f"alignfetch: {card_message(kind, ident, why)}\n"
    assert state(listdir) == before


# -- fields of the wrong type -----------------------------------------------------------

MISTYPED = [
    ("dataset", "id", 5),
    ("dataset", "sha", ["x"]),
    ("dataset", "author", 5),
    ("dataset", "tags", "arxiv:2204.05862"),
    ("dataset", "cardData", "a string"),
    ("dataset", "lastModified", "yesterday"),
    ("dataset", "gated", [1]),
    ("model", "author", 5),
    ("model", "pipeline_tag", 5),
    ("model", "library_name", [1]),
    ("model", "tags", {"a": 1}),
    ("model", "safetensors", "a string"),
    ("space", "id", 5),
    ("space", "sha", ["x"]),
    ("space", "sdk", 5),
    ("space", "author", 5),
    ("space", "runtime", "a string"),
    ("collection", "title", 5),
    ("collection", "slug", 5),
    ("collection", "items", "a string"),
    ("collection", "description", 5),
    ("collection", "lastUpdated", "yesterday"),
]


def mistype(fakes: Fakes, kind: str, key: str, field: str, value: object) -> None:
    table = {
        "dataset": fakes.hub.datasets,
        "model": fakes.hub.models,
        "space": fakes.hub.spaces,
        "collection": fakes.hub.collections,
    }[kind]
    table[key.lower()] = dict(table[key.lower()], **{field: value})


@pytest.mark.parametrize(("kind", "field", "value"), MISTYPED)
def test_refresh_keeps_the_record_when_a_field_has_the_wrong_type(
    hub_list: Path, fakes: Fakes, kind: str, field: str, value: object
) -> None:
    """Catches a record built from a mistyped answer (an author that is a number, tags
    that are a string) being stored: `list`, `show` and `render` could not read it back,
    or it would hold a letter per tag."""
    ident = KINDS[kind][0]
    before = rows(hub_list)
    mistype(fakes, kind, ident.split(":", 1)[1], field, value)
    result = run("refresh", "--all", "--only", kind)
    one_failure(
        result,
        ident,
        f"The Hugging Face Hub sent an answer for {ident} that alignfetch could not read; "
        "try again later.",
    )
    assert rows(hub_list)[ident] == before[ident]


@pytest.mark.parametrize(("kind", "field", "value"), MISTYPED)
def test_add_fails_and_writes_nothing_when_a_field_has_the_wrong_type(
    fakes: Fakes, listdir: Path, kind: str, field: str, value: object
) -> None:
    set_up(fakes)
    hub_sections(listdir)
    ident, section = TO_ADD[kind]
    before = state(listdir)
    mistype(fakes, kind, ident.split(":", 1)[1], field, value)
    result = run("add", ident, "-s", section)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == (
        f"alignfetch: The Hugging Face Hub sent an answer for {ident} that alignfetch could "
        "not read; try again later.\n"
    )
    assert state(listdir) == before


# -- a model card refused while a token is set ---------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_model_card_refused_with_a_token_fails_and_keeps_the_summary(
    hub_list: Path, fakes: Fakes, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """Catches the summary being dropped in silence when the Hub refuses a model's card to
    the token the maintainer set (a token without access to the gate, or revoked): without
    a token a gated card is no card; with one, the refusal is news the maintainer needs."""
    monkeypatch.setenv("HF_TOKEN", "hf_maintainerstoken0123456789abcdef")
    ident = KINDS["model"][0]
    before = rows(hub_list)
    new_commit(fakes, "model")
    headers = {"Content-Type": "application/json", "X-Error-Code": "GatedRepo"}
    fakes.server.fail("/resolve/", Response(status, '{"error": "restricted"}', headers), 99)
    result = run("refresh", "--all", "--only", "model")
    one_failure(
        result,
        ident,
        f"{ident} is gated on the Hugging Face Hub; request access on its page, then set "
        "HF_TOKEN to a token of the account that has it.",
    )
    assert rows(hub_list)[ident] == before[ident]
    assert json.loads(before[ident][0])["summary"]


@pytest.mark.parametrize("status", [401, 403])
def test_add_of_a_model_whose_card_is_refused_with_a_token_fails(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    set_up(fakes)
    hub_sections(listdir)
    monkeypatch.setenv("HF_TOKEN", "hf_maintainerstoken0123456789abcdef")
    before = state(listdir)
    fakes.server.fail("/resolve/", Response(status, '{"error": "refused"}', JSON), 99)
    ident = f"hf-model:{MODEL}"
    result = run("add", ident, "-s", "models")
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == (
        f"alignfetch: The Hugging Face Hub refused access to {ident} (HTTP {status}); "
        "set HF_TOKEN to a token that can read it.\n"
    )
    assert state(listdir) == before


# -- paper pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("junk", list(API_JUNK))
def test_a_junk_paper_page_is_a_warning_and_keeps_the_cached_page(
    hub_list: Path, fakes: Fakes, junk: str
) -> None:
    """Catches a paper page answer that is no JSON object replacing the cached page (its
    upvotes and code link): a page never fails its paper, but its last good data stays."""
    body, why = API_JUNK[junk]
    page = f"hfpaper:{PAPER}"
    with sqlite3.connect(hub_list / ".alignfetch" / "cache.sqlite") as db:
        db.execute(  # a week old: this refresh asks for it
            "UPDATE records SET fetched_at = '2000-01-01 00:00:00.000000' WHERE id = ?", (page,)
        )
    before = rows(hub_list)
    fakes.server.fail(r"^/api/papers/", Response(200, body, JSON), times=99)
    result = run("refresh", "--all", "--only", "paper")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout == (
        "Checked 1 entry: nothing changed.\n\nWarnings:\n"
        f"- {page}: {api_message(f'arxiv:{PAPER}', why)}\n"
    )
    assert rows(hub_list)[page] == before[page]
