"""Writing a rendered README: which template a list's page uses, and the file it goes
into (between alignfetch's markers when it has them: :func:`splice`), or the diff
``--check`` shows (:func:`diff`). Jinja loads only when a page is rendered: a kept page
(:mod:`alignfetch.workspace.memo`) is written without it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from alignfetch.errors import AlignfetchError, InputError
from alignfetch.files import digest

START_MARKER = "<!-- alignfetch:start -->"
END_MARKER = "<!-- alignfetch:end -->"


def page(
    doc: Mapping[str, Any],
    folder: Path,
    template: str | os.PathLike[str] | None = None,
    seen: dict[str, str | None] | None = None,
) -> str:
    """The README of the export document ``doc`` of the list in ``folder``: with the
    template ``template``, else the list's ``[list] template``, else the default.
    ``seen`` gets every template file read or looked for, with its digest."""
    from alignfetch.render import page as render  # Jinja: a kept page is written without it

    if seen is None:
        seen = {}
    meta = doc.get("list")
    listed = meta.get("template") if isinstance(meta, dict) else None
    # --template is the user's own choice, anywhere; [list] template comes with the
    # list (a pull request can change it), so it must lie inside the list's folder.
    if template:
        path = Path(template)
        text = render.read_template(path)
        seen[str(path.resolve())] = digest(text.encode())
        return render.render(doc, text, name=str(path), folder=path.parent, seen=seen)
    if listed:
        text = render.read_template(Path(str(listed)), inside=folder)
        seen[str((folder / str(listed)).resolve())] = digest(text.encode())
        return render.render(doc, text, name=str(listed), folder=folder, seen=seen)
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
    new = splice(existing, rendered())
    if check:
        if new == existing:
            return None
        from alignfetch.records import strip_controls

        # The file on disk may hold anything (a pull request's README): its lines go to a
        # terminal or a CI log, so they lose control and bidi characters as all talk does.
        return strip_controls(diff(existing, new, str(path)), multiline=True)
    if new != existing:
        write_atomic(path, new)
    return None


def splice(existing: str, generated: str) -> str:
    """``existing`` with the text between its alignfetch markers replaced by ``generated``.

    Everything outside the markers, and the markers, stay as they are. Without
    markers the result is ``generated`` alone.
    """
    starts, ends = existing.count(START_MARKER), existing.count(END_MARKER)
    if starts == 0 and ends == 0:
        return generated
    if START_MARKER in generated or END_MARKER in generated:
        raise InputError(
            "The generated text contains an alignfetch marker itself, so it cannot be spliced."
        )
    if starts != 1 or ends != 1:
        raise InputError(
            f"The file must hold exactly one {START_MARKER} and one {END_MARKER} "
            f"(found {starts} and {ends})."
        )
    head_end = existing.index(START_MARKER) + len(START_MARKER)
    tail_start = existing.index(END_MARKER)
    if tail_start < head_end:
        raise InputError(f"The file has {END_MARKER} before {START_MARKER}; swap them.")
    return existing[:head_end] + "\n" + generated.strip("\n") + "\n" + existing[tail_start:]


def diff(old: str, new: str, path: str) -> str:
    """A unified diff from ``old`` (the file at ``path``) to ``new``; empty when equal."""
    import difflib

    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"{path} (current)",
        tofile=f"{path} (rendered)",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line of a Markdown file; str.splitlines would also split
    # at form feeds and U+2028, which a diff must show as they are.
    return [line for line in re.split(r"(?<=\n)", text) if line]
