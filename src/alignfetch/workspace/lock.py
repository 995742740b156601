"""The lock that serializes a list's writers: a file beside the cache, or on a shared
PostgreSQL cache an advisory lock named after the list's entries.toml."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alignfetch.errors import LockError

if TYPE_CHECKING:
    from alignfetch.fetch.store import Store


@contextmanager
def hold(entries_path: Path, store: Store, timeout: float) -> Iterator[None]:
    """Serialize writers: a second process waits, then fails with a clear message.

    The lock is a file beside entries.toml, or on a PostgreSQL cache an advisory
    lock named after the list's entries.toml.
    """
    from filelock import FileLock, Timeout

    from alignfetch.cache.urls import backend

    if backend(store.db_url) == "postgresql":
        where = entries_path.resolve()
        with store.cache.advisory_lock(
            f"alignfetch:list:{where}",
            timeout,
            f"Another alignfetch process has held the lock on {where} in the cache at "
            f"{store.cache.url} for {timeout:g} seconds; wait for it to finish and try again.",
        ):
            yield
        return
    state_dir = entries_path.parent / ".alignfetch"
    path = state_dir / "lock"
    lock = FileLock(str(path), timeout=timeout)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise LockError(
            f"Another alignfetch process has held {path} for "
            f"{timeout:g} seconds; wait for it to finish and try again."
        ) from None
    except OSError as err:
        # A folder where the lock file goes, a read-only or full disk, a file
        # where the state folder goes: say so rather than show a traceback.
        raise LockError(
            f"The lock file {path} could not be created ({err.strerror or err}); "
            f"check that {state_dir} is a writable folder and that {path} is not one."
        ) from None
    try:
        yield
    finally:
        lock.release()
