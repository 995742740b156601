"""Kept outputs: a reading command whose every input is as it was gives back its last text.

``render``, ``export`` and ``list`` are pure functions of entries.toml, the cached
records, the template (with every file it includes) and alignfetch's own code, so
their text is kept in ``.alignfetch/memo/`` under a key of all of those, and a run
whose key is the kept one prints the kept text without reading a record, building a
document or compiling a template.

The key is a BLAKE2b MAC (under a random key of this user's: :func:`_secret`) of the
command and its options, alignfetch's files and
the libraries that shape the text (each file's size and modification time: an
upgrade or an edit changes them), entries.toml's bytes, and every row of the cache's
``records`` table, ``id`` and ``record`` JSON text as stored (a content digest: a
record that changes and changes back is the same input, a check time is none). The
files a template read are kept beside the text with their digests and read again on
every recall. Only a SQLite cache at the newest revision is keyed (read-only, with
the standard library); PostgreSQL and anything unusual take the full way every time.

A text is kept with the entries its run found no cached record of, which a recall
names again as the run did (the same warning, or with --strict the same error); it is
kept only when the cache was the same before and after the run. A memo that cannot be
read or written is no error, only a run the full way.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from alignfetch import version

try:  # hashlib would load OpenSSL first, a tenth of a kept `list`; BLAKE2 is built in
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python without it
    from hashlib import blake2b

if TYPE_CHECKING:
    from alignfetch.workspace import Workspace

Seen = dict[str, str | None]
"""The files a run read besides entries.toml and the cache: path to digest, None for a
file looked for and absent (one that appears later changes the text)."""

LIBRARIES = ("jinja2", "markupsafe", "tomli")
"""Libraries whose version can change a text (the templates' engine, its escaping,
the TOML parser): their module file's size and time go into the key."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""A link in the memo's place is not opened through (where the system can say so)."""


def render_text(
    ws: Workspace,
    source: str | os.PathLike[str] | None,
    template: str | os.PathLike[str] | None,
    strict: bool,
) -> str:
    """The list's README (:meth:`Workspace.render`): from an export ``source``, or from
    the cache, kept."""
    from alignfetch.list.export import read_export, settle, settled, uncached
    from alignfetch.render.output import page

    if source is not None:
        return page(settled(read_export(Path(source)), strict), ws.entries_path.parent, template)

    def make(seen: Seen, _: Key | None) -> tuple[str, list[str]]:
        doc = ws.export(strict=strict)
        return page(doc, ws.entries_path.parent, template, seen), uncached(doc)

    # A template given by its path is the same one wherever the command runs from.
    chosen = str(Path(template).resolve()) if template else ""
    return remembered(ws, f"render {chosen}", make, lambda ids: settle(ids, strict))


def export_text(ws: Workspace, strict: bool) -> str:
    """The export document as ``alignfetch export`` writes it (:meth:`Workspace.export`), kept."""
    from alignfetch.list.export import dumps, settle, uncached

    def make(_: Seen, key: Key | None) -> tuple[str, list[str]]:
        if key is None or key.rows is None:  # a cache the memo does not read: in full
            doc = ws.export(strict=strict)
            return dumps(doc), uncached(doc)
        from alignfetch.workspace import pieces

        path = ws.state_dir / "memo" / pieces.NAME
        kept = recall(path, key.code)  # the pieces of an export made by this very code
        text, missing, fresh = pieces.export(ws, key.rows, kept[0] if kept else None)
        settle(missing, strict)  # the full export's warning, or its error before any write
        if fresh is not None and key.still():
            keep(path, key.code, {}, [], fresh)
        return text, missing

    return remembered(ws, "export", make, lambda ids: settle(ids, strict), rows=True)


def remembered(
    ws: Workspace,
    what: str,
    make: Callable[[Seen, Key | None], tuple[str, list[str]]],
    say: Callable[[list[str]], None] = lambda _: None,
    *,
    rows: bool = False,
) -> str:
    """``make``'s text for the command ``what`` (with its options) of the list ``ws``:
    kept from an earlier run in its ``.alignfetch/memo`` when no input changed.

    ``make`` notes the files it read besides entries.toml and the cache in its first
    argument (its second is the key, with the cache's rows when ``rows``), and returns its
    text and the entries it found no cached record of (which it has said); a kept text
    hands those to ``say``, which says them again as ``make`` did (a warning, or with
    --strict the error)."""
    key = fingerprint(ws.entries_path, ws.db_url, what, rows=rows)
    path = ws.state_dir / "memo" / blake2b(what.encode(), digest_size=10).hexdigest()
    if key is None:
        return make({}, None)[0]
    with key:
        kept = recall(path, key.digest)
        if kept is not None:
            say(kept[1])
            return kept[0]
        seen: Seen = {}
        text, missing = make(seen, key)
        if key.still():
            keep(path, key.digest, seen, missing, text)
        return text


class Key:
    """The digest of a run's inputs, and what tells whether they changed during the run:
    the cache's connection it was read on (SQLite's ``data_version`` moves when any other
    connection commits) and entries.toml's bytes."""

    def __init__(
        self,
        digest: str,
        code: str,
        conn: sqlite3.Connection,
        entries: Path,
        text: bytes,
        rows: dict[str, bytes] | None,
    ) -> None:
        self.digest, self.conn, self.entries, self.text = digest, conn, entries, text
        self.code = code
        """The digest of alignfetch's own files and the libraries (what made a text)."""
        self.rows = rows
        """Each cached record's JSON text (UTF-8) by ID, when asked for."""
        self.version = self.data_version()

    def data_version(self) -> object:
        return self.conn.execute("PRAGMA data_version").fetchone()

    def still(self) -> bool:
        """Whether no input read for the digest changed since (checked without reading the
        cache again, unlike a second digest, a tenth of a full render at 10,000 entries)."""
        from alignfetch.files import read_bytes

        try:
            return self.data_version() == self.version and read_bytes(self.entries) == self.text
        except (OSError, sqlite3.Error):
            return False

    def __enter__(self) -> Key:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()


def fingerprint(entries: Path, db_url: str, what: str, *, rows: bool = False) -> Key | None:
    """The key of every input of ``what``; None when the cache is not a plain SQLite
    file at the newest revision, or entries.toml or the cache cannot be read."""
    from alignfetch.cache.sqlite_read import BUSY_TIMEOUT, HEAD_REVISION, sqlite_path
    from alignfetch.files import read_bytes

    database = sqlite_path(db_url)
    secret = _secret()
    if database is None or secret is None:
        return None
    h = blake2b(digest_size=20, key=secret)
    code = blake2b(digest_size=20, key=secret)
    kept: dict[str, bytes] | None = {} if rows else None
    try:
        for part in (sys.version, *version.code(LIBRARIES)):
            code.update(f"{len(part)}:{part}".encode())
        h.update(f"{len(what)}:{what}".encode() + code.digest())
        text = read_bytes(entries)  # a FIFO or a device is refused, never waited on
        h.update(b"%d:%s" % (len(text), text))
        uri = "file:" + quote(str(database.resolve())) + "?mode=ro"
        if not database.is_file():
            return None
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    except (OSError, sqlite3.Error, ValueError):
        return None
    try:
        conn.execute("BEGIN")  # the revision and the rows of one moment
        if conn.execute("SELECT version_num FROM alembic_version").fetchall() != [(HEAD_REVISION,)]:
            conn.close()
            return None
        for rid, record in conn.execute("SELECT id, record FROM records"):
            data = record.encode() if type(record) is str else repr(record).encode()
            h.update(b"%d:%s%d:%s" % (len(rid), rid.encode(), len(data), data))
            if kept is not None:
                kept[rid] = data  # a digest only if the export is made: a kept one needs none
        conn.execute("COMMIT")  # no lock is held while the text is made
        return Key(h.hexdigest(), code.hexdigest(), conn, entries, text, kept)
    except (sqlite3.Error, ValueError, UnicodeError):
        conn.close()
        return None


def _secret() -> bytes | None:
    """This user's memo key, 32 random bytes made on first use in the user's cache folder
    (``$XDG_CACHE_HOME/alignfetch/memo.key``); None when it cannot be read or made.

    Every key is a MAC under it, so only this user's own runs can have written a memo that
    matches: one committed into a list's repository (a pull request's ``.alignfetch/memo``,
    made to pass ``render --check``) never does, whatever else its author can predict."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "alignfetch" / "memo.key"
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            secret = os.urandom(32)
            with os.fdopen(fd, "wb") as f:
                f.write(secret)
            return secret
        except OSError:
            return None  # made by another run at this moment, or no home to keep it in
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        secret = os.read(fd, 64)
    except OSError:
        return None
    finally:
        os.close(fd)
    return secret if len(secret) == 32 else None


def recall(path: Path, key: str) -> tuple[str, list[str]] | None:
    """The text kept at ``path`` under ``key``, with the entries its run had no record
    of, if its template files are as they were."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            if f.readline().rstrip(b"\n") != key.encode():
                return None
            line = f.readline()
            missing: list[str] = []
            if line != b"{}\n":  # a template's files, entries without a record (most have none)
                import json

                said = json.loads(line)
                seen, missing = said["files"], said["missing"]
                if not isinstance(seen, dict) or any(_read(Path(p)) != d for p, d in seen.items()):
                    return None
                if not isinstance(missing, list) or not all(type(m) is str for m in missing):
                    return None
            return f.read().decode("utf-8"), missing
    except (OSError, ValueError, UnicodeError, RecursionError, LookupError, TypeError):
        return None
    finally:
        os.close(fd)


def _read(path: Path) -> str | None:
    """A template file's digest as :func:`keep` compares it (None: absent or unreadable)."""
    from alignfetch.files import digest, read_bytes

    try:
        return digest(read_bytes(path))
    except OSError:
        return None


def keep(path: Path, key: str, seen: Seen, missing: list[str], text: str) -> None:
    """Keep ``text`` at ``path`` under ``key``, with the files ``seen`` and the entries
    ``missing`` its run had no record of: written beside it and renamed over it (a link
    there is replaced, never followed), in a real folder only."""
    import json

    folder = path.parent
    # A reading command does without tempfile: the name is made here, created only if new.
    tmp = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return  # a link to elsewhere: keep nothing there
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key.encode() + b"\n")
            said = {"files": seen, "missing": missing} if seen or missing else {}
            f.write(json.dumps(said, sort_keys=True).encode() + b"\n")
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except (OSError, ValueError):
        Path(tmp).unlink(missing_ok=True)
