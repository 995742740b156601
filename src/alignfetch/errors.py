"""The one exception hierarchy of alignfetch.

Every failure a user can cause or meet derives from :class:`AlignfetchError`.
Its message is one plain sentence saying what is wrong and what to do; the CLI
prints it as is and exits with :attr:`exit_code` (1 failure, 2 bad input).
"""

from __future__ import annotations

ECHO_LIMIT = 200
"""The most characters of a user's input that a message repeats: every real ID, title or
path fits, and a 100 KB argument is not printed back in full."""


def cap_echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as an error message may repeat it: whole, or cut to ``limit`` characters
    ending in an ellipsis. Quote it with ``!r`` as usual when it is the user's own text."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}…"


class AlignfetchError(Exception):
    """Base class: a failure with a message fit for the user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(AlignfetchError):
    """The user's input is wrong: an ID, a section, an option, entries.toml."""

    exit_code = 2


class BadIdError(InputError):
    """An identifier matches no accepted form."""


class EntriesFileError(InputError):
    """entries.toml is missing, unparsable or inconsistent."""


class LockError(AlignfetchError):
    """Another alignfetch process holds the lock for too long."""


class CacheMissError(AlignfetchError):
    """--offline was asked and the cache lacks a record."""


class SourceError(AlignfetchError):
    """An upstream service failed; carries where and why."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        ids: tuple[str, ...] = (),
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.ids = ids
        self.url = url
        self.status = status


class NotFoundError(SourceError):
    """The upstream service has no record for an ID."""


class RateLimitError(SourceError):
    """The upstream service refuses to answer more requests for now."""
