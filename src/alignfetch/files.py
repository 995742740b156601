"""The user's files: read and replaced as regular files only, reads capped, writes atomic.

A path given by a user may name a device (``/dev/zero``, ``/dev/full``), a FIFO or a folder.
Reading one would never end or block forever, and replacing one would swap a device for a
regular file; both are refused with an :class:`OSError` whose ``strerror`` says why, so each
caller's existing ``except OSError`` turns it into its own one sentence.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_READ = 64 * 1024 * 1024
"""The most any input file may hold: entries.toml, a README to import, an export."""


class NotRegularFileError(OSError):
    """The path names a device, a FIFO, a socket or a folder, not a regular file."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(0, "it is a device, a FIFO or a folder, not a regular file", str(path))


class TooLargeError(OSError):
    """The file holds more than the cap a read allows."""

    def __init__(self, path: Path | str, limit: int) -> None:
        mib = limit // (1024 * 1024)
        super().__init__(0, f"it is larger than {mib} MiB, more than any list needs", str(path))


def read_bytes(path: Path | str, *, limit: int = MAX_READ) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Opened without blocking, so a FIFO is refused instead of waiting for a writer; a
    missing file raises :class:`FileNotFoundError` as ``open`` does.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(path)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLargeError(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path | str, *, limit: int = MAX_READ, keep_lines: bool = False) -> str:
    """The UTF-8 text of the regular file ``path`` (see :func:`read_bytes`).

    Line ends become ``\\n`` as ``open()`` reads them, unless ``keep_lines`` (a file to
    write back keeps its CRLF). Undecodable bytes raise :class:`UnicodeDecodeError`.
    """
    text = read_bytes(path, limit=limit).decode("utf-8")
    if keep_lines:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def digest(data: bytes) -> str:
    """A file's content digest (BLAKE2b, 160 bits, hex): how a kept output tells that a
    file it was made from is unchanged (:mod:`alignfetch.workspace.memo`)."""
    import hashlib

    return hashlib.blake2b(data, digest_size=20).hexdigest()


def check_writable(path: Path) -> None:
    """Raise :class:`NotRegularFileError` when ``path`` exists and is no regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # the write itself will name what is wrong
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(path)


def replace(path: Path, text: str) -> None:
    """Replace the regular file ``path`` (or create it) with ``text``, all or nothing.

    A symbolic link is followed: its target is replaced, the link stays. Anything but a
    regular file at the path raises :class:`NotRegularFileError` and is left as it was.
    """
    import tempfile  # only to write: reading commands do without it

    path = path.resolve()
    check_writable(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        check_writable(path)  # a device made meanwhile is not replaced either
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
