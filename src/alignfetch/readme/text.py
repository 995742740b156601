"""Markdown text for the README: escaping for each place text goes, and GitHub's anchors.

The filters a template applies to upstream text (``md``, ``heading``, ``code``,
``url``, ``urlpath``, ``abstract``, ``card``, ``human_date``) and the anchors
of headings, as GitHub computes them. :mod:`alignfetch.render` builds the page
with them; :mod:`alignfetch.markdown` (the importer's parser) reads pages.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date

from alignfetch.errors import InputError

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def anchor(title: str, seen: dict[str, int]) -> str:
    """GitHub's anchor for a heading whose text is ``title``; records it in ``seen``.

    GitHub lower-cases the text, drops every character that is not a letter,
    a mark, a decimal digit, a connector (``_``), a hyphen or a space, and turns
    each space into a hyphen; the second heading with the same anchor gets
    ``-1``, the third ``-2``, and so on.
    """
    slug = "".join(ch for ch in title.lower() if _kept_in_anchor(ch)).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return f"{slug}-{count}" if count else slug


_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# Escaped wherever inline text goes; "." "-" "(" ")" ":" "!" stay as written,
# since nothing opens with them once "[" is escaped.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")
# At the start of a line these open a list, a setext underline or a thematic break.
_LINE_START = re.compile(r"^(?:([-+=])|(\d{1,9})([.)]))")


# Text that md leaves as it is: no space at either end, no run of spaces, no other
# whitespace, nothing to escape, and no list or heading marker at its start.
_MD_AS_IS = re.compile(r"(?![-+=\d ])[^\t\n\r\f\v\\`*_\[\]<>&|~#]*(?<! )")


def md(value: object) -> str:
    """Plain text as inline Markdown that shows exactly that text."""
    text = str(value)
    if "  " not in text and _MD_AS_IS.fullmatch(text):
        return text
    text = _SPACE.sub(" ", text).strip(" ")
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    m = _LINE_START.match(text)
    if m:
        text = "\\" + text if m[1] else f"{m[2]}\\{m[3]}{text[m.end() :]}"
    return text


# In a heading's text these would be read as markup; "&" only when it spells an
# entity, "<" only when it could open a tag or an autolink.
_HEADING_SPECIAL = re.compile(r"[\\`*_\[\]~|]|&(?=#?[A-Za-z0-9]+;)|<(?=[A-Za-z/!?])")


def heading(value: object) -> str:
    """A heading's text as the maintainer wrote it, escaped only where Markdown would
    misread it (``LLM for Safety & Safe-Alignment`` stays as it is)."""
    text = _SPACE.sub(" ", str(value)).strip(" ")
    text = _HEADING_SPECIAL.sub(lambda m: "\\" + m[0], text)
    # A closing run of "#" would be taken as the end of the heading's markup.
    return re.sub(r"(^|\s)(#+)$", lambda m: m[1] + "\\" + m[2], text)


def code(value: object) -> str:
    """A code span (its backticks included) that shows the text verbatim."""
    text = _SPACE.sub(" ", str(value)).strip(" ")
    runs = re.findall(r"`+", text)
    if not runs:
        return f"`{text}`"
    fence = "`" * (max(len(r) for r in runs) + 1)
    return f"{fence} {text} {fence}"


# What would end a link destination or open a code span or tag inside one.
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f<>()\"`\\]")


def url(value: object) -> str:
    """A link target: an http(s) URL with what would end a Markdown link encoded."""
    text = str(value).strip()
    if not re.match(r"https?://", text, re.IGNORECASE):
        raise InputError(f"The link {text!r} is not an http(s) URL.")
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m[0]):02X}", text)


def urlpath(value: object) -> str:
    """A piece of a URL's path, such as ``owner/name``, percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m[0]):02X}", str(value).strip())


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def abstract(value: object) -> str:
    """Text for an HTML block: entities for ``& < >``, no blank line inside."""
    lines = (line.strip(" \t") for line in _LINE_BREAK.split(str(value)))
    return "\n".join(html.escape(line, quote=False) for line in lines if line)


_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# What may stand before a heading's "#" on its line: indentation, ">" and list markers.
_CONTAINERS = r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))*[ \t]*"
_ATX = re.compile(rf"({_CONTAINERS})(?=#{{1,6}}(?:[ \t]|$))")
_SETEXT = re.compile(rf"({_CONTAINERS})(?=(?:=+|-+)[ \t]*$)")


# A link, image or reference definition whose target runs code or smuggles data in.
_CARD_BAD_LINK = re.compile(
    r"(?:\]\(|^ {0,3}\[[^\]\n]+\]:)[ \t\n]*<?[ \t]*(?:javascript|vbscript|data)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)


def card(value: object) -> str:
    """A dataset card's Markdown, kept, but unable to break the page around it.

    Only fences that start at the left margin are kept as fences: their
    extent is the same for any CommonMark parser, so their text can stay
    verbatim and one left open can be closed. An indented fence line could
    belong to a list item or a quote, which this scan does not follow, so its
    first character is escaped instead. Outside fences ``<`` becomes ``&lt;``
    (no raw HTML, comments or ``</details>``; inside a code span it then shows
    as ``&lt;``, the price of never guessing wrong). A card that links to a
    ``javascript:``, ``vbscript:`` or ``data:`` target is refused (alignfetch
    drops such links when it fetches a card; this is the second line of defence).
    """
    if _CARD_BAD_LINK.search(str(value)):
        raise InputError(
            "The dataset card links to a javascript:, vbscript: or data: target, which the "
            "README must not carry; fetch it again with `alignfetch refresh --all`."
        )
    lines = _LINE_BREAK.split(str(value).strip("\n"))
    out: list[str] = []
    fence: str | None = None
    after_text = False  # a setext underline needs a paragraph line above it
    for line in lines:
        if fence is not None:
            m = _FENCE_CLOSE.fullmatch(line)
            if m and m[1][0] == fence[0] and len(m[1]) >= len(fence):
                fence = None
            out.append(line)
            after_text = False
            continue
        m = _FENCE_OPEN.fullmatch(line)
        if m and not (m[1][0] == "`" and "`" in m[2]):
            fence = m[1]
            out.append(line)
            after_text = False
            continue
        body = line.lstrip(" \t")
        if body.startswith(("```", "~~~")):
            line = line[: len(line) - len(body)] + "\\" + body
        line = line.replace("<", "&lt;")
        # Each pattern is tried only on a line it could match: scanning a long line
        # costs more than the rest of the card (a heading needs a "#", an underline
        # a run of "=" or "-" at the end).
        if "#" in line:
            line = _ATX.sub(r"\1\\", line, count=1)
        if after_text and line.rstrip(" \t").endswith(("=", "-")):
            line = _SETEXT.sub(r"\1\\", line, count=1)
        out.append(line)
        after_text = bool(line.strip(" \t"))
    if fence is not None:
        out.append(fence)
    return "\n".join(out)


def human_date(value: object) -> str:
    """``2023-05-03`` (or a datetime string) -> ``3 May 2023``; empty for no date."""
    if not value:
        return ""
    d = date.fromisoformat(str(value)[:10])
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _plain(title: object) -> str:
    """A heading's text as GitHub sees it once the Markdown is rendered."""
    return _SPACE.sub(" ", str(title)).strip(" ")


def _kept_in_anchor(ch: str) -> bool:
    if ch in "- ":
        return True
    category = unicodedata.category(ch)
    return category[0] in "LM" or category in ("Nd", "Pc")
