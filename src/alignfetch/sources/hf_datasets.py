"""Hugging Face Hub datasets, through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``dataset_info`` and, only
when the dataset's commit changed, its card), and :func:`convert` /
:func:`card_summary` (pure; the Hub's answers to a
:class:`~alignfetch.records.Dataset`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import SourceError
from ..records import Dataset
from . import arxiv as arxiv_source
from . import hub

if TYPE_CHECKING:
    from huggingface_hub import DatasetInfo

    from . import Outcome, Previous

NAME = "Hugging Face datasets"
PREFIX = "hf"
FORMS = ("hf:owner/name", "https://huggingface.co/datasets/owner/name")
SUMMARY_CAP = 1500
"""Characters of card summary kept; longer ones are cut at a paragraph or word."""

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
_KEY = rf"(?P<key>{_PART}/{_PART})"
_SHORT = re.compile(rf"hf:(?:datasets/)?{_KEY}/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/datasets/{_KEY}"
    r"(?:/(?:tree|blob|resolve|viewer|discussions|commits)(?:/[^?#\s]*)?)?/?(?:[?#].*)?"
)


def parse_id(text: str) -> str | None:
    """``owner/name`` for ``text``, or None if it is not a dataset ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            # The Hub refuses names with "--" or ".." in them.
            return None if "--" in m["key"] or ".." in m["key"] else m["key"]
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """``dataset_info`` for each key; the card only when the commit moved.

    A card that cannot be read (an error, an HTML page, an empty file, or a 404
    where a card was before) never replaces the last good summary: the record
    keeps it, with a warning, and the next fetch asks for the card again.
    """
    from . import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        ident = f"{PREFIX}:{key}"
        info_url = f"{settings.hf_endpoint}/api/datasets/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                partial(api.dataset_info, key, timeout=settings.timeout),
                settings,
                source=NAME,
                ident=ident,
                url=info_url,
            )
        assert info is not None
        before = previous.get(key)
        old = before.record if before is not None and isinstance(before.record, Dataset) else None
        old_card, card_sha = _previous_card(before)
        warning = None
        if old is not None and card_sha == info.sha:
            card, summary = old_card, old.summary
        else:
            card, why = _card(info, settings, ident)
            if why is None:
                summary, card_sha = (card_summary(card) if card else None), info.sha
            elif old is not None and old.summary is not None:
                card, summary = old_card, old.summary
                warning = (
                    f"The dataset card of {ident} could not be read ({why}); "
                    "its last good summary is kept."
                )
            elif why == "HTTP 404":
                card, summary, card_sha = None, None, info.sha  # no card at this commit
            else:
                card, summary, card_sha = None, None, None  # ask again next time
                warning = (
                    f"The dataset card of {ident} could not be read ({why}); it has no summary yet."
                )
        raw = {"dataset_info": _body(bodies, info_url), "card": card, "card_sha": card_sha}
        return Fetched(
            record=convert(info, key, summary),
            raw=hub.scrub(json.dumps(raw, ensure_ascii=False, sort_keys=True), settings),
            url=info_url,
            warning=warning,
        )

    return hub.each(keys, one, NAME, PREFIX)


def _card(info: DatasetInfo, settings: Settings, ident: str) -> tuple[str | None, str | None]:
    """The dataset's README.md at its commit, in one GET (no HEAD, nothing on disk),
    and why it is not a card when it is not: ``(text, None)`` or ``(None, why)``."""
    from huggingface_hub import get_session, hf_hub_url, hf_raise_for_status

    url = hf_hub_url(
        info.id,
        "README.md",
        repo_type="dataset",
        revision=info.sha,
        endpoint=settings.hf_endpoint,
    )
    # The User-Agent is the transport's (alignfetch's, as for every request).
    headers = {"Authorization": f"Bearer {settings.hf_token}"} if settings.hf_token else {}

    def get() -> tuple[str, str]:
        response = get_session().get(url, headers=headers)
        hf_raise_for_status(response)
        return response.text, response.headers.get("Content-Type", "")

    try:
        got = hub.call(get, settings, source=NAME, ident=ident, url=url, missing_ok=True)
    except SourceError as err:
        if err.status is not None and err.status != 429 and err.status < 500:
            raise  # gated, refused: the maintainer has something to do about it
        return None, f"HTTP {err.status}" if err.status else "no valid answer"
    if got is None:
        return None, "HTTP 404"
    text, content_type = got
    if not text.strip():
        return None, "it is empty"
    head = text.lstrip()[:15].lower()
    if "text/html" in content_type.lower() or head.startswith(("<!doctype html", "<html")):
        return None, "it is an HTML page"
    return hub.scrub(text, settings), None


def _previous_card(before: Previous | None) -> tuple[str | None, str | None]:
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
    card = raw.get("card")
    sha = raw["card_sha"] if "card_sha" in raw else getattr(before.record, "sha", None)
    return (card if isinstance(card, str) else None), (sha if isinstance(sha, str) else None)


def _body(bodies: Mapping[str, str], url: str) -> Any:
    for seen, text in bodies.items():
        if seen.split("?")[0].rstrip("/") == url:
            try:
                return json.loads(text)
            except ValueError:
                return text
    return None


def convert(info: DatasetInfo, key: str, summary: str | None) -> Dataset:
    """A ``DatasetInfo`` (and its card's summary) as a normalized dataset record."""
    tags = list(info.tags or [])
    card: dict[str, Any] = info.card_data.to_dict() if info.card_data is not None else {}  # type: ignore[no-untyped-call]
    papers = []
    for tag in tags:
        if tag.startswith("arxiv:"):
            paper_key = arxiv_source.parse_id(tag.removeprefix("arxiv:"))
            if paper_key:
                papers.append(f"arxiv:{paper_key}")
    gated: object = info.gated  # the Hub has sent True, "auto" and "manual"
    return Dataset(
        id=f"{PREFIX}:{key}",
        title=info.id,
        url=f"{hub.PUBLIC}/datasets/{info.id}",
        author=info.author,
        sha=info.sha,
        last_modified=_iso(info.last_modified),
        created=_iso(info.created_at),
        license=_listed(card.get("license"), tags, "license"),
        languages=_listed(card.get("language"), tags, "language"),
        task_categories=_listed(card.get("task_categories"), tags, "task_categories"),
        size_categories=_listed(card.get("size_categories"), tags, "size_categories"),
        downloads=_count(info.downloads),
        likes=_count(info.likes),
        gated=None if gated in (False, None) else ("auto" if gated is True else str(gated)),
        private=bool(info.private),
        disabled=bool(info.disabled),
        papers=tuple(dict.fromkeys(papers)),
        summary=summary,
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def _listed(value: Any, tags: Iterable[str], prefix: str) -> tuple[str, ...]:
    """A card field that may be a string or a list, else the ``prefix:`` tags."""
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value:
        return tuple(str(v) for v in value)
    return tuple(t.split(":", 1)[1] for t in tags if t.startswith(f"{prefix}:"))


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
