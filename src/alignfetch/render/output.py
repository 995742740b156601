"""Writing a rendered README: which template a list's page uses, and the file it goes
into (between alignfetch's markers when it has them), or the diff ``--check`` shows."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from alignfetch.errors import AlignfetchError, InputError
from alignfetch.render import page as render


def page(
    doc: Mapping[str, Any], folder: Path, template: str | os.PathLike[str] | None = None
) -> str:
    """The README of the export document ``doc`` of the list in ``folder``: with the
    template ``template``, else the list's ``[list] template``, else the default."""
    meta = doc.get("list")
    listed = meta.get("template") if isinstance(meta, dict) else None
    # --template is the user's own choice, anywhere; [list] template comes with the
    # list (a pull request can change it), so it must lie inside the list's folder.
    if template:
        path = Path(template)
        text = render.read_template(path)
        return render.render(doc, text, name=str(path), folder=path.parent)
    if listed:
        text = render.read_template(Path(str(listed)), inside=folder)
        return render.render(doc, text, name=str(listed), folder=folder)
    return render.render(doc)


def write(path: Path, rendered: Callable[[], str], check: bool = False) -> str | None:
    """Put ``rendered()`` into ``path`` (between its markers, if it has them).

    With ``check``, write nothing and return the unified diff when the file differs
    from what would be written (None when it is up to date).
    """
    from alignfetch.files import NotRegularFileError, read_text
    from alignfetch.list.entries import write_atomic

    try:
        existing = read_text(path, keep_lines=True)
    except FileNotFoundError:
        existing = ""
    except NotRegularFileError:
        raise AlignfetchError(
            f"{path} is a device, a FIFO or a folder, not a regular file, and was left as it "
            "is; give the path of a file to write."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(
            f"The file {path} could not be read as UTF-8 text ({err}); check the path."
        ) from None
    new = render.splice(existing, rendered())
    if check:
        if new == existing:
            return None
        from alignfetch.records import strip_controls

        # The file on disk may hold anything (a pull request's README): its lines go to a
        # terminal or a CI log, so they lose control and bidi characters as all talk does.
        return strip_controls(render.diff(existing, new, str(path)), multiline=True)
    if new != existing:
        write_atomic(path, new)
    return None
