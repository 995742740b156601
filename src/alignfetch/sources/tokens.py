"""Keeping a source's token (``GITHUB_TOKEN``, ``HF_TOKEN``) out of what alignfetch keeps.

An answer may echo the token back, and not only as it was sent: JSON may spell any
character as ``\\u0067``, a page as ``&#103;`` or ``&#x67;``, Markdown may escape
``_`` as ``\\_``, and GitHub lower-cases a topic and spells its ``_`` as ``-``. Text
decoded from such an answer holds the plain token; the raw payload kept beside the
record holds the escaped one. :func:`scrub` replaces every such spelling, and
:func:`scrubbed` applies it to everything a fetch hands on: every text of the record
(after parsing, so what JSON decoded is caught too), the raw payload, the URL, the
ETag, the warning, an error's message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from alignfetch.errors import SourceError

if TYPE_CHECKING:
    from alignfetch.records import Record
    from alignfetch.sources import Outcome


RANDOM = 20
"""The length from which a token is taken for random text (:func:`spellings`)."""


@lru_cache(maxsize=8)
def spellings(token: str) -> re.Pattern[str]:
    """Every spelling of ``token`` an answer may hold (see the module's text).

    Case is ignored in a token of :data:`RANDOM` characters or more (GitHub's and the
    Hub's are about 40): so many random letters and digits are in no other text by
    chance, and a lower-cased one still gives most of it away. A shorter one (a test's,
    a placeholder) is matched with its case, lest it take a word with it.
    """
    fold = len(token) >= RANDOM
    parts = []
    for char in token:
        codes = {ord(char), ord(char.lower()), ord(char.upper())} if fold else {ord(char)}
        forms = [re.escape(char)]
        if char in "_-" and fold:
            forms.append("[-_]")  # GitHub's topics spell _ as -
        for code in sorted(codes):
            forms += [rf"(?i:\\u{code:04x}|&#0*{code};|&#x0*{code:x};)"]  # hex in any case
        if not char.isalnum():
            forms.append(r"\\{1,2}" + re.escape(char))  # Markdown's \_, and in JSON \\_
        parts.append("(?:" + "|".join(forms) + ")")
    return re.compile("".join(parts), re.IGNORECASE if fold else 0)


def scrub(text: str, token: str | None, label: str) -> str:
    """``text`` with every spelling of ``token`` replaced by ``label``.

    A spelling right after an odd run of backslashes takes one of them along: in a
    JSON payload that backslash would otherwise escape the label's first character
    (``\\[``, invalid JSON), and in any other text it was only an escape.
    """
    if not token or not text:
        return text
    found = spellings(token)
    if "\\" not in text:
        return found.sub(lambda _: label, text)
    out: list[str] = []
    at = 0
    for m in found.finditer(text):
        start = before = m.start()
        while before > at and text[before - 1] == "\\":
            before -= 1
        if (start - before) % 2:
            start -= 1
        out += [text[at:start], label]
        at = m.end()
    out.append(text[at:])
    return "".join(out)


def scrubbed(outcome: Outcome, token: str | None, label: str) -> Outcome:
    """``outcome`` without ``token`` (:func:`scrub`) in any text it holds: every field of
    the record (nested ones too: an author's name, each string of a tuple) but its ID
    (the maintainer's own), the raw payload, the URL, the ETag, the warning; or an
    error's message and URL."""
    if not token:
        return outcome

    def fn(text: str) -> str:
        return scrub(text, token, label)

    if isinstance(outcome, SourceError):
        message, url = fn(outcome.message), fn(outcome.url) if outcome.url else outcome.url
        if message != outcome.message or url != outcome.url:
            outcome.message, outcome.url = message, url
            outcome.args = (message,)
        return outcome
    return dataclasses.replace(
        outcome,
        record=replace_text(outcome.record, fn),
        raw=fn(outcome.raw),
        url=fn(outcome.url),
        etag=fn(outcome.etag) if outcome.etag else outcome.etag,
        warning=fn(outcome.warning) if outcome.warning else outcome.warning,
    )


def replace_text(record: Record, fn: Callable[[str], str]) -> Record:
    """``record`` with ``fn`` applied to every text it holds but its ID, nested ones too;
    the record itself when nothing changes."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        if f.name == "id":
            continue
        old = getattr(record, f.name)
        new = _map_text(old, fn)
        if new != old:
            values[f.name] = new
    return dataclasses.replace(record, **values) if values else record


def _map_text(value: Any, fn: Callable[[str], str]) -> Any:
    from alignfetch.records import Author

    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_map_text(v, fn) for v in value)
    if isinstance(value, Author):
        return Author(fn(value.name), tuple(fn(a) for a in value.affiliations))
    return value
