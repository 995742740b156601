"""Database URLs as alignfetch shows and reads them: a password never shown or quoted, the
backend a URL names, a SQLite file's URL."""

from __future__ import annotations

import re
from pathlib import Path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


_PASSWORD = re.compile(r"(://[^/?#@:]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"([?&][a-z_]*pass(?:word|wd)?=)([^&#]*)", re.IGNORECASE)
"""A password given as a query parameter (libpq's ``?password=``, ``sslpassword=``)."""


def shown(url: str) -> str:
    """``url`` as a message may show it: with its password, if any, as ``***``."""
    whole = _PASSWORD.search(url)
    try:
        if whole and "@" in whole.group(0)[:-1].split(":", 2)[-1]:
            # An unescaped "@" in the password: SQLAlchemy would read part of it as the host.
            raise ValueError
        from sqlalchemy.engine import make_url

        text = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  # unparsable: hide whatever stands where a password would
        text = _PASSWORD.sub(r"\1***@", url)
    return _QUERY_PASSWORD.sub(r"\1***", text)


def scrub(message: str, url: str) -> str:
    """``message`` with ``url``'s password replaced, wherever a driver quoted it."""
    from sqlalchemy.engine import make_url

    secrets: set[str] = set()
    try:
        password = make_url(url).password
        if password:
            secrets.add(str(password))
    except Exception:  # noqa: BLE001  # unparsable URL: take what looks like a password
        pass
    if m := re.search(r"://[^/?#@:]*:([^/?#]*)@", url):
        secrets.add(m.group(1))
        # A password with an unescaped "@" is split by the driver, which then quotes the
        # rest as part of the host: each piece of it is as secret as the whole.
        secrets.update(piece for piece in m.group(1).split("@") if len(piece) >= 3)
    secrets.update(m.group(2) for m in _QUERY_PASSWORD.finditer(url))
    from urllib.parse import quote, unquote

    for secret in list(secrets):
        secrets.update({unquote(secret), quote(secret, safe="")})
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def backend(url: str) -> str | None:
    """The database a URL names (``sqlite``, ``postgresql``), None when it is not a URL."""
    if url.startswith("sqlite:///"):
        return "sqlite"  # a list's own cache, known without loading SQLAlchemy
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).get_backend_name()
    except Exception:  # noqa: BLE001  # open_cache reports a bad URL in one sentence
        return None
