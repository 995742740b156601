"""What the Hub's model and dataset repositories share, for their sources.

Pure helpers over the Hub's answers: ISO dates, fields that a card gives as a
string or a list (else as ``prefix:`` tags), the papers of ``arxiv:`` tags, the
raw body kept for the cache; the card (README.md) fetched at a commit in one
GET, never replacing a good summary with a worse one (:func:`card`); and
:func:`card_summary`, the prose a list shows of a card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, SourceError
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import hub

if TYPE_CHECKING:
    from alignfetch.sources import Previous

SUMMARY_CAP = 1500
"""Characters of card summary kept; longer ones are cut at a paragraph or word."""
PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
"""An owner's or a repository's name on the Hub."""
T = TypeVar("T")


def valid_key(key: str) -> str | None:
    """``key``, unless the Hub would refuse it (names with "--" or ".." in them)."""
    return None if "--" in key or ".." in key else key


def shaped(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn``, with a 200 whose JSON lacks what the client reads turned into the
    ValueError that :func:`hub.call` reports as a bad answer (not a traceback)."""

    def run() -> T:
        try:
            return fn()
        except (KeyError, TypeError, AttributeError) as err:
            raise ValueError(f"unexpected answer ({type(err).__name__}: {err})") from None

    return run


@dataclass(frozen=True)
class Card:
    """What a fetch knows of a repository's card (README.md)."""

    text: str | None
    summary: str | None
    sha: str | None
    """The commit the card was read at; None when it must be asked for again."""
    warning: str | None = None


def card(
    repo_id: str,
    sha: str | None,
    repo_type: str | None,
    settings: Settings,
    old: Any,
    before: Previous | None,
    *,
    label: str,
    source: str,
    ident: str,
    gated_ok: bool = False,
) -> Card:
    """The card at ``sha``: the cached one when it was read at that commit, else a fresh one.

    A card the Hub does not give (an error, an HTML page, an empty file, or a 404 where
    a card was before) never replaces the last good summary of ``old`` (the cached
    record): it is kept, with a warning, and the next fetch asks for the card again.
    A card that came but is not Markdown text (:func:`not_a_card`) fails the fetch
    (a :class:`SourceError`): the whole cached record stays as it was.
    With ``gated_ok`` and no token, a card behind the repository's gate (401/403) is
    no card; with a token, the Hub refusing it is a failure the maintainer must hear of.
    """
    old_card, card_sha = previous_card(before)
    if old is not None and card_sha == sha:
        return Card(old_card, old.summary, card_sha)
    try:
        text, why = fetch_card(
            repo_id, sha, repo_type, settings, source=source, ident=ident, label=label
        )
    except SourceError as err:
        if (
            not gated_ok
            or settings.hf_token
            or isinstance(err, NotFoundError)
            or err.status not in (401, 403)
        ):
            raise
        return Card(None, None, sha)  # the gate stays until the maintainer asks for access
    if why is None:
        return Card(text, card_summary(text) if text else None, sha)
    if old is not None and old.summary is not None:
        return Card(
            old_card,
            old.summary,
            card_sha,
            f"The {label} card of {ident} could not be read ({why}); "
            "its last good summary is kept.",
        )
    if why == "HTTP 404":
        return Card(None, None, sha)  # no card at this commit
    return Card(
        None,
        None,
        None,
        f"The {label} card of {ident} could not be read ({why}); it has no summary yet.",
    )


def fetch_card(
    repo_id: str,
    sha: str | None,
    repo_type: str | None,
    settings: Settings,
    *,
    source: str,
    ident: str,
    label: str,
) -> tuple[str | None, str | None]:
    """A repository's README.md at its commit, in one GET (no HEAD, nothing on disk),
    and why the Hub did not give it: ``(text, None)`` or ``(None, why)``.

    Raises :class:`SourceError` when the answer is no Markdown text (:func:`not_a_card`).
    """
    from huggingface_hub import get_session, hf_hub_url, hf_raise_for_status

    url = hf_hub_url(
        repo_id,
        "README.md",
        repo_type=repo_type,
        revision=sha,
        endpoint=settings.hf_endpoint,
    )
    # The User-Agent is the transport's (alignfetch's, as for every request).
    headers = {"Authorization": f"Bearer {settings.hf_token}"} if settings.hf_token else {}

    def get() -> tuple[bytes, str]:
        response = get_session().get(url, headers=headers)
        hf_raise_for_status(response)
        return response.content, response.headers.get("Content-Type", "")

    try:
        got = hub.call(get, settings, source=source, ident=ident, url=url, missing_ok=True)
    except SourceError as err:
        if err.status is not None and err.status != 429 and err.status < 500:
            raise  # gated, refused: the maintainer has something to do about it
        return None, f"HTTP {err.status}" if err.status else "no valid answer"
    if got is None:
        return None, "HTTP 404"
    data, content_type = got
    if not data.strip():
        return None, "it is empty"
    head = data.lstrip()[:15].lower()
    if "text/html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        return None, "it is an HTML page"
    why = not_a_card(data)
    if why is not None:
        raise SourceError(
            f"The Hugging Face Hub sent a {label} card for {ident} that is not Markdown text "
            f"({why}); try again later.",
            source=source,
            ids=(ident,),
            url=url,
        )
    return data.decode("utf-8-sig"), None


_JSON_ARRAY = re.compile(r"\[\s*(?:\[\s*)*(?:[{\"\]]|-?\d+\s*[,\]](?!:))")
"""An opening that is JSON's (an array of objects, strings, numbers or arrays), not
Markdown's (``[![badge](...)]``, ``[text](link)``, ``[1]: link``, ``[[_TOC_]]``)."""
_XML = re.compile(r"<\?xml[\s?]|<!DOCTYPE(?!\s+html[\s>])|<!ENTITY", re.IGNORECASE)
_OPEN_TAGS = re.compile(r"(?:\s*<[A-Za-z][^<>]*>){64}")
"""Sixty-four tags opened before any text: no card starts so, deeply nested XML does."""


def not_a_card(data: bytes) -> str | None:
    """Why a README.md the Hub sent is not a card (Markdown text), or None.

    A card is UTF-8 text without NUL bytes (the Hub stores Markdown so). JSON (what
    the API answers, whole or cut short) and XML documents (a prolog, a DOCTYPE, an
    entity: never expanded, as nothing here parses a card as XML) are answers to
    something else. Each would otherwise become the summary as junk, or as none.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8"
    if "\x00" in text:
        return "binary data"
    start = text.lstrip()
    if start.startswith("{") or _JSON_ARRAY.match(start) or _parses_as_json(start):
        return "JSON"
    if _XML.match(start) or _XML.search(start[:4096]) and start.startswith("<"):
        return "an XML document"
    if _OPEN_TAGS.match(start):
        return "markup nested too deep"
    return None


def _parses_as_json(text: str) -> bool:
    """Whether ``text`` is a whole JSON value (``null``, ``42``, ``"a"``, ``[...]``)."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def previous_card(before: Previous | None) -> tuple[str | None, str | None]:
    """The card text kept with the cached record, and the commit it was read at.

    Records cached before the commit was kept read theirs at the record's own commit.
    """
    if before is None:
        return None, None
    try:
        raw = json.loads(before.raw)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        return None, None
    text = raw.get("card")
    sha = raw["card_sha"] if "card_sha" in raw else getattr(before.record, "sha", None)
    return (text if isinstance(text, str) else None), (sha if isinstance(sha, str) else None)


def body(bodies: Mapping[str, str], url: str) -> Any:
    """The JSON body captured for ``url`` (its text if it is not JSON), else None."""
    for seen, text in bodies.items():
        if seen.split("?")[0].rstrip("/") == url:
            try:
                return json.loads(text)
            except ValueError:
                return text
    return None


def iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def listed(value: Any, tags: Iterable[str], prefix: str) -> tuple[str, ...]:
    """A card field that may be a string or a list, else the ``prefix:`` tags."""
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value:
        return tuple(str(v) for v in value)
    return tuple(t.split(":", 1)[1] for t in tags if t.startswith(f"{prefix}:"))


def papers(tags: Iterable[str]) -> tuple[str, ...]:
    """Canonical IDs of the papers named by ``arxiv:`` tags, in order, once each."""
    out = []
    for tag in tags:
        if tag.startswith("arxiv:"):
            key = arxiv_source.parse_id(tag.removeprefix("arxiv:"))
            if key:
                out.append(f"arxiv:{key}")
    return tuple(dict.fromkeys(out))


def count(value: object) -> int | None:
    """A count the Hub gives (downloads, likes), None when it gives none or no number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def gating(value: object) -> str | None:
    """The Hub's gating mode: None when open (it has sent True, "auto" and "manual")."""
    if value in (False, None):
        return None
    if value is True:
        return "auto"
    if isinstance(value, str):
        return value
    raise ValueError(f"gated is {type(value).__name__}, not a mode")


class CardFields(Protocol):
    """What is read of a card's metadata: a field by name, None when it is not set."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


def card_fields(card_data: Any) -> CardFields:
    """The fields of a repository card's metadata (``info.card_data``), read by ``get``.

    The card data itself, not ``to_dict()``: that deep-copies the whole card to drop the
    unset fields, which ``get`` reads as None anyway (a fortieth of a millisecond of each
    Hub request, with nothing read but a few fields)."""
    return {} if card_data is None else card_data


def tag_list(value: object) -> list[str]:
    """A repository's tags: a list of strings (a string would pass as one tag a letter)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"tags are {type(value).__name__}, not a list of strings")
    return value


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(?:\n|\Z)", re.DOTALL)
_PLACEHOLDER = re.compile(r"^\[(?:More|Needs More) Information(?: Needed)?\]$", re.IGNORECASE)


def card_summary(text: str, cap: int = SUMMARY_CAP) -> str | None:
    """The prose of a card's summary section, else its first prose paragraphs.

    Markdown is kept as written; placeholders of the Hub's card template count as
    nothing; the result is at most ``cap`` characters, cut at a paragraph (or a
    word, marked with an ellipsis).
    """
    body = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    lines = body.split("\n")
    section = _summary_section(lines)
    paragraphs = _paragraphs(section if section is not None else lines, prose_only=section is None)
    paragraphs = [p for p in paragraphs if not _PLACEHOLDER.match(p.strip())]
    if not paragraphs:
        return None
    kept: list[str] = []
    size = 0
    for para in paragraphs:
        if size + len(para) > cap:
            if not kept:
                cut = para[:cap].rsplit(" ", 1)[0].rstrip(" ,;:")
                kept.append(cut + "…")
            break
        kept.append(para)
        size += len(para) + 2
        if section is None and len(kept) == 2:
            break  # without a summary section, the opening two paragraphs say enough
    return "\n\n".join(kept)


def _summary_section(lines: list[str]) -> list[str] | None:
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and "summary" in m[2].lower():
            level = len(m[1])
            out = []
            for following in lines[i + 1 :]:
                n = _HEADING.match(following)
                if n and len(n[1]) <= level:
                    break
                out.append(following)
            return out
    return None


def _paragraphs(lines: list[str], prose_only: bool) -> list[str]:
    """Blocks separated by blank lines, without headings (and, for prose only,
    without lists, tables, quotes, HTML and images: a card's boilerplate)."""
    blocks: list[list[str]] = [[]]
    fence = False
    for line in lines:
        if line.strip().startswith("```"):
            fence = not fence
        if not fence and not line.strip() or not fence and _HEADING.match(line):
            blocks.append([])
        else:
            blocks[-1].append(line.rstrip())
    out = []
    for block in blocks:
        text = "\n".join(block).strip("\n")
        if not text.strip():
            continue
        first = text.lstrip()[:1]
        if prose_only and (first in "-*+|<>!`[" or re.match(r"\d+[.)]\s", text.lstrip())):
            continue
        out.append(text)
    return out
