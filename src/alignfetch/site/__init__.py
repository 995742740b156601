"""The list as a static site: one page with every entry, instant search, filters and charts.

:func:`build` takes an export document (:mod:`alignfetch.list.export`, the one ``render``
reads) and writes ``index.html`` and its assets (``assets/site.css``, ``assets/site.js``,
``assets/icon.svg`` and the entries' search texts and abstracts, ``assets/entries.js``)
into a folder. The page is a Jinja2 template run in Jinja's sandbox
with HTML autoescaping (every text of the document is data); the charts are inline SVG
laid out at build time (:mod:`alignfetch.site.charts`); what the page shows of the
document is :mod:`alignfetch.site.model`'s. Nothing on the page asks another host for
anything (no CDN, no web font, no analytics; a Content-Security-Policy says so to the
browser), so it opens from ``file://`` as from GitHub Pages. The same document gives the
same bytes.

The feature never imports the Workspace or another feature: the CLI hands it the document.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from alignfetch.errors import AlignfetchError, InputError

ASSETS = ("site.css", "site.js", "icon.svg")
"""The files beside ``index.html``, in ``assets/``, as alignfetch ships them (the page's
own data, ``assets/entries.js``, is written with them)."""


def pages(doc: Mapping[str, Any]) -> dict[str, str]:
    """Every file of the site of ``doc``, by its path inside the site's folder."""
    import jinja2

    from alignfetch.list.export import no_cycle_collection
    from alignfetch.site import charts, model

    here = resources.files("alignfetch.site")
    with no_cycle_collection():
        page = model.page(doc)
        drawn = [
            (heading, chart)
            for heading, chart in (
                ("Entries per year, by section", charts.per_year(page.entries, page.sections)),
                ("Venues that recur", charts.venues(page.entries)),
            )
            if chart is not None
        ]
        env = _sandbox()(
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        template = env.from_string((here / "templates" / "index.html.j2").read_text("utf-8"))
        out = {
            "index.html": template.render(page=page, charts=drawn),
            "assets/entries.js": _entries_js(page),
        }
    for name in ASSETS:
        out[f"assets/{name}"] = (here / "assets" / name).read_text("utf-8")
    return out


def _entries_js(page: Any) -> str:
    """The entries' search texts and abstracts, in the page's order, as a script.

    An abstract is most of an entry's text: in the HTML it took a third of a 10,000-entry
    page's parsing (0.6 of 1.8 s in Chromium), while a script's string is read at once.
    The page fills an abstract in when its ``<details>`` is opened. ASCII JSON (every
    other character escaped) in a file of its own: nothing in it can end a script.
    """
    import json

    entries = page.in_order
    data = {
        "q": [e.search for e in entries],
        "abstracts": [e.abstract for e in entries],
    }
    # "<" escaped too, so that the text stays inert even if someone inlines it in a page.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.alignfetchEntries = {text};\n"


def _sandbox() -> type:
    """Jinja's sandbox, with a short way to the fields of the page's own views (which it
    would find safe too, after a check per lookup that costs most of a 10,000-entry build)."""
    import dataclasses

    import jinja2.sandbox

    from alignfetch.site import charts, model

    known = {
        view: frozenset(f.name for f in dataclasses.fields(view))
        for view in (model.Entry, model.Section, model.Page, charts.Chart, charts.Bar, charts.Label)
    }

    class Sandbox(jinja2.sandbox.SandboxedEnvironment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            if attribute in known.get(type(obj), ()):
                return getattr(obj, attribute)
            return super().getattr(obj, attribute)

    return Sandbox


def build(doc: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the site of ``doc`` into ``out_dir`` (made when missing); the paths written.

    Every file is written atomically, and only inside ``out_dir``: a file of the site
    that is a symbolic link leading out of it, or anything but a regular file, is refused
    before anything is written. Other files in the folder are left as they are.
    """
    from alignfetch.files import NotRegularFileError, replace

    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise InputError(
            f"{root} is a file, not a folder; give -o the folder to write the site into."
        )
    files = pages(doc)  # the whole site first: a bad document writes nothing
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "assets").mkdir(exist_ok=True)
    except FileExistsError:
        raise InputError(
            f"{root / 'assets'} is a file, not a folder; move it away and build the site again."
        ) from None
    except OSError as err:
        raise AlignfetchError(
            f"The folder {root} could not be made ({err.strerror or err}); check the path."
        ) from None
    inside = root.resolve()
    targets = [root / name for name in files]
    for path in targets:
        if not path.resolve().is_relative_to(inside):
            raise InputError(
                f"{path} leads out of {root} (a symbolic link); remove it and build the site again."
            )
    written = []
    for path, text in zip(targets, files.values(), strict=True):
        try:
            replace(path, text)
        except NotRegularFileError:
            raise AlignfetchError(
                f"{path} is a device, a FIFO or a folder, not a regular file, and was left as "
                "it is; move it away and build the site again."
            ) from None
        except OSError as err:
            raise AlignfetchError(
                f"{path} could not be written ({err.strerror or err}); check the folder."
            ) from None
        written.append(path)
    return written
