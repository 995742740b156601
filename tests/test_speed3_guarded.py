"""A source that only adds to a paper (its Hugging Face page, Semantic Scholar's venue,
OpenAlex's affiliations) never fails the paper: whatever it raises is one warning."""

from __future__ import annotations

import pytest

from alignfetch.errors import SourceError
from alignfetch.fetch.pipeline import FetchRun
from alignfetch.fetch.scholarly import guarded


def unreadable(error: str) -> str:
    return f"The answer could not be read ({error}); the next refresh asks again."


# Catches: a bug in an enriching source (an exception that is no SourceError) failing
# the whole add or refresh, or its warning naming nothing a user can act on.
def test_anything_an_enriching_source_raises_is_one_warning() -> None:
    run = FetchRun()

    def broken() -> dict[str, object]:
        raise KeyError("venue")

    assert guarded(broken, run, "s2:2305.01937", unreadable) is None  # type: ignore[arg-type]
    assert run.warnings == {
        "s2:2305.01937": "The answer could not be read (KeyError); the next refresh asks again."
    }


# Catches: a source's own failure reworded as "could not be read" (losing its status
# and advice), or an interrupt swallowed as a warning.
def test_a_source_error_keeps_its_words_and_an_interrupt_stops() -> None:
    run = FetchRun()

    def refused() -> dict[str, object]:
        raise SourceError("OpenAlex refused the request (HTTP 403); try later.", source="openalex")

    assert guarded(refused, run, "openalex:1", unreadable) is None  # type: ignore[arg-type]
    assert run.warnings == {"openalex:1": "OpenAlex refused the request (HTTP 403); try later."}

    def interrupted() -> dict[str, object]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        guarded(interrupted, run, "openalex:2", unreadable)  # type: ignore[arg-type]
    assert guarded(lambda: {"k": "v"}, run, "x", unreadable) == {"k": "v"}  # type: ignore[arg-type, return-value]
