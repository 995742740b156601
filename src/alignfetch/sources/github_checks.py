"""What :mod:`alignfetch.sources.github` checks of GitHub's answers (pure).

An answer is GitHub's repository object only if it has that object's shape
(:func:`check_shape`: a star count, fields of their documented types, dates that
are dates); a 200 that is not a JSON object is retried (:func:`json_problem`);
the text an error quotes from GitHub (:func:`message`, :func:`number`) is cleaned
and short, as everything printed from upstream must be.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from alignfetch.errors import cap_echo
from alignfetch.records import strip_controls
from alignfetch.stored import is_date

if TYPE_CHECKING:
    import requests

    from alignfetch.http import policy as net

QUOTE_CAP = 200
"""The most characters of GitHub's own words an error message quotes."""

SHAPE: dict[str, type | tuple[type, ...]] = {
    "description": str,
    "homepage": str,
    "pushed_at": str,
    "created_at": str,
    "updated_at": str,
    "default_branch": str,
    "license": dict,
    "topics": list,
    "archived": bool,
}
"""Fields that may be missing or null, but when set have this type."""
DATES = ("pushed_at", "created_at", "updated_at")
"""Fields that, when set, are ISO 8601 datetimes (``2024-01-31T12:00:00Z``)."""


def check_shape(body: Mapping[str, Any]) -> None:
    """TypeError unless ``body`` has the shape of GitHub's repository object.

    ``stargazers_count`` is in every repository object GitHub sends: an answer
    without it (or with a count that is no count) is not GitHub's, and must not
    replace a record that has one. Nor is one whose dates are no dates
    (``2024-13-45T00:00:00Z``, ``0000-01-01T00:00:00Z``): the last push stored
    from it would crash `check` and the citations, which read it as a day.
    """
    stars = body.get("stargazers_count")
    if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0:
        raise TypeError("no star count")
    for name, kind in SHAPE.items():
        value = body.get(name)
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{name} is not a {getattr(kind, '__name__', kind)}")
    for name in DATES:
        value = body.get(name)
        if value is not None and not is_date(value):
            raise TypeError(f"{name} is not a date")


def quoted(text: str, cap: int = QUOTE_CAP) -> str:
    """Upstream ``text`` as a message may quote it: one line, without control characters
    or bidi overrides, runs of blanks made one space, at most ``cap`` characters."""
    return cap_echo(" ".join(strip_controls(text).split()), cap)


def message(response: requests.Response) -> str:
    """GitHub's own ``message`` from an error body, cleaned and short (:func:`quoted`)."""
    try:
        body = json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return ""
    text = body.get("message") if isinstance(body, dict) else None
    return quoted(text) if isinstance(text, str) else ""


_NUMBER = re.compile(r"[0-9]{1,9}")


def number(value: str | None) -> str | None:
    """A header's value when it is a plain number (``x-ratelimit-limit``, ``retry-after``),
    else None: whatever else a header holds is not printed."""
    return value if value is not None and _NUMBER.fullmatch(value) else None


def json_problem(url: str, answer: net.Answer) -> str | None:
    """Why a 200 from the API is not a JSON object, or None (so that it is retried)."""
    return json_shape(answer, dict, "an object")


def json_shape(answer: net.Answer, kind: type, called: str) -> str | None:
    """Why ``answer``'s body is not JSON of ``kind`` (``called`` in the sentence), or None:
    the check of every JSON API's 200 (GitHub, OpenAlex, Semantic Scholar)."""
    return json_read(answer, kind, called)[0]


def json_read(answer: net.Answer, kind: type, called: str) -> tuple[str | None, Any]:
    """:func:`json_shape`'s problem, and the JSON it read (None with a problem): for a
    caller that would read the same answer again."""
    try:
        body = json.loads(answer.body.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8", None
    except RecursionError:
        return "JSON nested too deep", None
    except ValueError:
        head = answer.body.lstrip()[:15].lower()
        if not head:
            return "an empty page", None
        html = head.startswith((b"<!doctype html", b"<html"))
        return ("an HTML page" if html else "not JSON"), None
    if not isinstance(body, kind):
        return f"JSON that is not {called}", None
    return None, body
