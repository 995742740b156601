"""alignfetch's version: its own module, so that the modules that send it (the User-Agent,
`--version`) need not import the package's API; and its code as a key (:func:`code`,
:func:`source`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__version__ = "0.1.0"

_PACKAGE = Path(__file__).resolve().parent


def code(libraries: Iterable[str] = ()) -> list[str]:
    """alignfetch's own files and the module files of ``libraries``, as names, sizes and
    modification times: what a key of "the code that made this" holds (an upgrade or an
    edit changes it), read without opening a file."""
    from importlib.util import find_spec

    out: list[str] = []
    folders = [_PACKAGE]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as it:
            for item in sorted(it, key=lambda e: e.name):
                if item.name == "__pycache__":
                    continue
                if item.is_dir(follow_symlinks=False):
                    folders.append(Path(item.path))
                else:
                    s = item.stat()
                    out.append(f"{item.path} {s.st_size} {s.st_mtime_ns}")
    for name in libraries:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin:
            s = os.stat(origin)
            out.append(f"{origin} {s.st_size} {s.st_mtime_ns}")
        else:
            out.append(f"{name} absent")
    return out


def source() -> bytes:
    """A digest of alignfetch's own code: each module's path inside the package and its
    bytes. Unlike :func:`code` (the files on this disk, cheaper to read), it is the same
    for every install of the same code, so what it keys outlives a reinstall: a nightly
    job installs alignfetch afresh each night."""
    from hashlib import blake2b

    h = blake2b(digest_size=32)
    for path in sorted(_PACKAGE.rglob("*.py")):
        name = path.relative_to(_PACKAGE).as_posix()
        if "__pycache__" in name:
            continue
        data = path.read_bytes()
        h.update(f"{len(name)}:{name}:{len(data)}:".encode() + data)
    return h.digest()
