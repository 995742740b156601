"""A real headless Chromium for the site's tests and benchmark: Debian's ``chromium``
driven by Playwright for Python (never Playwright's own downloaded browsers).

:func:`missing` says why the browser cannot run here (None when it can); the tests skip
with that reason, or fail when ``CI=true`` (as the PostgreSQL tests do: in CI a missing
browser must not pass as a skip). :func:`launch` starts Chromium with the flags this
closed network needs; :func:`serve` serves a folder on 127.0.0.1 as GitHub Pages would.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = (
    os.environ.get("ALIGNFETCH_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
ARGS = [
    "--no-sandbox",  # Chromium refuses to run as root with its sandbox
    "--disable-gpu",
    # Chromium's own background connections (updates, sync, safe browsing) are refused
    # by a closed network, and would show up as requests the page did not make.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
]


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
    return None


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on 127.0.0.1; yields its base URL (ending in /)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
