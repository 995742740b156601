"""What enriches entries without being one: the scholarly graph and web pages' own words.

After the papers of a fetch are back, :func:`enrich` asks Semantic Scholar where each
was published and how often it is cited (every fetch: counts move daily), and OpenAlex
where its authors work (once per paper: affiliations do not change), each in batches
(:mod:`alignfetch.sources.semantic_scholar`, :mod:`alignfetch.sources.openalex`).
:func:`pages` reads the web pages of ``url:`` entries
(:mod:`alignfetch.sources.webpage`). Neither ever fails an entry: a source that fails
is a warning and the entry keeps what it had. ``[sources]`` in entries.toml switches
each off (``off``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from alignfetch.errors import SourceError

if TYPE_CHECKING:
    from alignfetch.cache.db import CachedRow, FetchTime
    from alignfetch.config import Settings
    from alignfetch.fetch.pipeline import FetchRun, Times
    from alignfetch.sources import Outcome

Cached = Callable[[Iterable[str]], Mapping[str, "CachedRow"]]


def enrich(
    run: FetchRun, keys: Sequence[str], settings: Settings, times: Times, off: frozenset[str]
) -> None:
    """The scholarly records of the arXiv papers ``keys`` into ``run.related``; whether
    OpenAlex is asked for a paper is read from ``times`` (:func:`_ask`)."""
    if not keys:
        return
    if "semantic_scholar" not in off:
        from alignfetch.sources import semantic_scholar

        _related(run, "s2", semantic_scholar.NAME, semantic_scholar.fetch, keys, settings)
    if "openalex" not in off:
        from alignfetch.sources import openalex

        # Affiliations do not change: a paper is asked once. One OpenAlex did not know
        # yet (it indexes new preprints within weeks) is asked again once a week.
        have = times(f"openalex:{k}" for k in keys)
        week = datetime.now(UTC) - timedelta(days=7)
        todo = [k for k in keys if _ask(have.get(f"openalex:{k}"), week)]
        if todo:
            _related(run, "openalex", openalex.NAME, openalex.fetch, todo, settings)


def _ask(row: FetchTime | None, week: datetime) -> bool:
    """Whether OpenAlex is asked for a paper whose cached row's fetch time is ``row``
    (None: no row, or one that is no record): when it has none, or its record does not
    say ``found`` and was fetched at ``week`` or before. A row whose record is wrongly
    typed (its ``found`` no boolean) is asked for again when its week is up."""
    return row is None or (not row.found and row.at <= week)


def guarded(
    ask: Callable[[], Mapping[str, Outcome]],
    run: FetchRun,
    rid: str,
    unreadable: Callable[[str], str],
) -> Mapping[str, Outcome] | None:
    """``ask()``'s outcomes, or None once anything it raised is a warning under ``rid``:
    a source that only adds to a paper (its page, its venue, its affiliations) never
    fails the paper. ``unreadable`` words a failure that is not a source's (given the
    exception's type)."""
    try:
        return ask()
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as err:  # noqa: BLE001  # see above: never the paper's failure
        message = err.message if isinstance(err, SourceError) else unreadable(type(err).__name__)
        run.warnings[rid] = message
        return None


def _related(
    run: FetchRun,
    prefix: str,
    name: str,
    fetch: Callable[..., Mapping[str, Outcome]],
    keys: Sequence[str],
    settings: Settings,
) -> None:
    got = guarded(
        lambda: fetch(keys, settings, {}),
        run,
        f"{prefix}:{keys[0]}",
        lambda error: f"{name}'s answer could not be read ({error}); the papers keep what "
        "they had, and the next refresh asks again.",
    )
    if got is None:
        return
    for key, outcome in got.items():
        rid = key if key.startswith(f"{prefix}:") else f"{prefix}:{key}"
        if isinstance(outcome, SourceError):
            run.warnings[rid] = outcome.message
        elif outcome.record.id != rid:
            run.warnings[rid] = (
                f"{name} answered {rid} with another paper's record; it was not kept."
            )
        else:
            run.related.append(outcome)


def pages(
    keys: Sequence[str], settings: Settings, cached: Cached, off: frozenset[str]
) -> dict[str, Outcome]:
    """The records of the ``url:`` keys: what each page says of itself. A page that
    cannot be read keeps its cached record, or gets one made from its URL alone, with a
    warning; switched off (``web_pages = false``), every record is made from the URL."""
    from alignfetch.sources import Fetched, url

    if "web_pages" in off:
        return {f"url:{k}": Fetched(url.convert(k), raw="", url=k) for k in keys}
    from alignfetch.sources import webpage

    rows = cached(f"url:{k}" for k in keys)
    try:
        got: Mapping[str, Any] = webpage.fetch(keys, settings, {})
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as err:  # noqa: BLE001  # a page never fails its entry
        said = err.message if isinstance(err, SourceError) else type(err).__name__
        got = {k: SourceError(f"The page could not be read ({said}).", source="web") for k in keys}
    out: dict[str, Outcome] = {}
    for key in keys:
        outcome = got.get(key, got.get(f"url:{key}"))
        rid = f"url:{key}"
        if isinstance(outcome, Fetched) and outcome.record.id == rid:
            out[rid] = outcome
            continue
        message = (
            outcome.message
            if isinstance(outcome, SourceError)
            else f"The page of {rid} gave no answer."
        )
        row = rows.get(rid)
        if row is not None and row.parsed is not None:
            out[rid] = Fetched(
                row.parsed, raw=row.raw, url=key, unchanged=True, warning=_kept(message)
            )
        else:
            out[rid] = Fetched(url.convert(key), raw="", url=key, warning=_kept(message))
    return out


def _kept(message: str) -> str:
    return f"{message.rstrip('.')}; the entry keeps what it had, and the next refresh asks again."
