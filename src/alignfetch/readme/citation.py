"""A citation as a list writes it on one line, read part by part.

``**Name**: "Title", *Venue, Mon YYYY*. [[Paper](…)]``, ``1. Name. "Title". Authors. Venue
Year.``, ``[YYYY/MM] **Title.** *Authors et al. arXiv.*``: :func:`cite` puts each part in
its field of :class:`~alignfetch.readme.found.Found` (the bold name, the quoted title, the
authors as typed, the venue and the date as typed), telling a part by its style (bold,
italic, a link's words, quotes, brackets) and its words (a date, a list of names, a
venue). :func:`mixed` says whether a line is such a citation at all. The dates and names
of a list (``28 Oct 2022``, ``Lagorce, X., Meyer, C.``) are read here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date

from alignfetch.readme import markdown as md
from alignfetch.readme.found import GENERIC, SPACE, Found
from alignfetch.records import MONTHS as _MONTHS

_DMY = re.compile(r"^(\d{1,2}) ([A-Za-z]+)\.? (\d{4})$")
_MDY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MY = re.compile(r"^([A-Za-z]+)\.? (\d{4})$")
YEAR = re.compile(r"\b(19|20)\d{2}\b")


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def split_names(text: str) -> list[str]:
    text = re.sub(r"\bet al\.?", "", text.strip().rstrip("."))
    return [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if n.strip()]


def parse_date(text: str) -> str | None:
    """``28 Oct 2022`` -> ``2022-10-28``; a month or year alone -> ``""``; not a date -> None.

    A year first is always year, month, day (``2023-05-03`` and ``2023/05/03`` are 3 May,
    as ISO 8601 and every list writing them means). A year last with numbers only
    (``03/05/2023``) is 3 May in Europe and 5 March in the United States, and one list
    may hold both: it is read as a date that names no certain day (``""``), so it is
    neither imported as a day nor compared with the paper's, even when one reading is
    impossible (``13/05/2023``), so that a list's dates are all read or none.
    """
    text = text.strip().rstrip(".")
    try:
        if m := _DMY.match(text):
            month = _MONTHS.get(m.group(2).lower())
            return Date(int(m.group(3)), month, int(m.group(1))).isoformat() if month else None
        if m := _MDY.match(text):
            month = _MONTHS.get(m.group(1).lower())
            return Date(int(m.group(3)), month, int(m.group(2))).isoformat() if month else None
        if m := _ISO.match(text):
            if m.group(3) is None:
                return "" if 1 <= int(m.group(2)) <= 12 else None
            return Date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        if (m := _MY.match(text)) and m.group(1).lower() in _MONTHS:
            return ""
        if m := _NUMERIC.match(text):
            first, second, year = (int(g) for g in m.groups())
            readings = ((year, second, first), (year, first, second))
            return "" if any(_real_day(*r) for r in readings) else None
    except ValueError:
        return None
    return None


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        Date(year, month, day)
    except ValueError:
        return False
    return True


# -- a citation on one line: `**Name**: "Title", *Venue, Mon YYYY*. [[Paper](…)]` ----------

_INDEX = re.compile(r"^(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,3}[).]?)$")
"""``**[0]**``, ``1)``: a number in front of an entry, not its name."""
_YEAR_ONLY = re.compile(r"^\(?((?:19|20)\d{2})\)?$")
_BRACKET = re.compile(r"\[([^\[\]]{1,60})\]")
_VENUE_WORDS = re.compile(
    r"\b(arxiv|preprint|conference|conf|journal|workshop|transactions|trans|proceedings|"
    r"proc|symposium|letters|press|book|blog|nature|science|openreview|biorxiv|medrxiv|"
    r"ssrn|tech(nical)? report|report|thesis)\b",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"^[A-Z]*[A-Z][a-z]*[A-Z][A-Za-z-]*(?:['’]\d{2})?$|^[A-Z]{2,}(?:['’]\d{2})?$")
"""``ICCV``, ``NeurIPS``, ``CoRL``, ``ICLR'24``."""
_ET_AL = re.compile(r"^(.*?\bet al\b\.?)\s*(.*)$", re.IGNORECASE)
_PARTICLES = {"de", "van", "von", "der", "den", "la", "le", "di", "da", "del", "dos", "du", "y"}


@dataclass
class _Seg:
    text: str
    kind: str
    """``quote``, ``strong``, ``em``, ``link``, ``bracket``, ``paren`` or ``plain``."""
    before: str = ""
    """The text just before it (the separator that opens it)."""
    after: str = ""


def mixed(line: md.Line) -> bool:
    """Whether a line is a citation of parts (a quoted title, bold or italic words among
    plain ones, a bracketed date) rather than one title, one author list or one date."""
    words = [r for r in line.runs if r.link == -1 and re.search(r"\w", r.text)]
    styled = any(r.strong or r.em for r in words)
    plain = any(not (r.strong or r.em) for r in words)
    both = any(r.strong for r in words) and any(r.em and not r.strong for r in words)
    body = "".join(r.text if r.link == -1 else "\0" * len(r.text) for r in line.runs)
    unstyled = "".join(
        r.text if r.link == -1 and not (r.strong or r.em) else "\0" * len(r.text) for r in line.runs
    )
    return bool(
        _quotes(body, unstyled)
        or (styled and plain)
        or both
        or any(is_date(m.group(1)) for m in _BRACKET.finditer(body))
    )


def _is_label(line: md.Line, index: int, before: str) -> bool:
    """A link that names the kind of its target (``[[Paper](…)]``, ``[pdf]``): where the
    entry's own words end."""
    text = line.links[index].text.strip("[] ") if index < len(line.links) else ""
    return bool(GENERIC.match(text) or before.rstrip().endswith("[") or not text)


def _segments(line: md.Line, primary: int) -> tuple[list[_Seg], list[_Seg]]:
    """The line's words before its link labels (the citation) and after them, in parts."""
    body: list[_Seg] = []
    tail: list[_Seg] = []
    out = body
    text = ""
    spans: list[tuple[int, int, str, int]] = []  # start, end, style, link
    for r in line.runs:
        if r.link >= 0 and out is body and _is_label(line, r.link, text):
            out = tail
            spans.append((len(text), len(text), "cut", -1))
        style = "link" if r.link >= 0 else "strong" if r.strong else "em" if r.em else "plain"
        if r.link != -1 and r.link != primary:
            style = "other"  # another link's words (or a wrapped link's, from the line above)
        spans.append((len(text), len(text) + len(r.text), style, r.link))
        text += r.text
    masked = "".join(
        "\0" * (e - b) if style in ("link", "other") else text[b:e] for b, e, style, _ in spans
    )
    plain = "".join("\0" * (e - b) if style != "plain" else text[b:e] for b, e, style, _ in spans)
    quotes = _quotes(masked, plain)
    pos = 0
    out = body
    for start, end, style, _ in spans:
        if style == "cut":
            out = tail
            continue
        for q0, q1 in quotes:  # a quote is one part, whatever styles it holds
            if (q0 <= start < q1 or start <= q0 < end) and q0 >= pos:
                _plain(text[pos:q0], out)
                inner = text[q0 + 1 : q1 - 1].strip()
                out.append(_Seg(clean_end(inner), "quote", text[:q0].rstrip()[-1:]))
                pos = q1
        if end <= pos:
            continue
        start = max(start, pos)
        if style in ("plain", "other"):
            _plain(text[start:end] if style == "plain" else " ; ", out)
        else:
            before = text[:start].rstrip()[-1:]
            out.append(_Seg(text[start:end].strip(), style, before))
        pos = end
    for segs in (body, tail):
        for a, b in zip(segs, segs[1:], strict=False):
            a.after = a.after or b.before
    return [s for s in body if s.text], [s for s in tail if s.text]


_CLOSES = re.compile(r"$|[.,;:)\]*_!?]|\s+[^\w\s]|\s*$")


def _quotes(text: str, plain: str | None = None) -> list[tuple[int, int]]:
    """Where a line quotes something (``"Title"``, ``“Title”``): a quote inside the quote
    (``"When "Correct" Is Not Safe"``) does not end it; a link's words (``\\0``) are
    never quoted text of their own."""
    out = [(m.start(), m.end()) for m in re.finditer(r"“[^”]{2,}”", text)]
    at = text.find('"')
    while at >= 0:
        end, depth = -1, 1
        for m in re.finditer('"', text[at + 1 :]):
            j = at + 1 + m.start()
            opens = text[j - 1] in ' "([' and text[j + 1 : j + 2].strip() != ""
            if opens and not _CLOSES.match(text, j + 1):
                depth += 1
                continue
            if text[j - 1] in ".,?!" or _CLOSES.match(text, j + 1) or depth > 1:
                depth -= 1
                if depth == 0:
                    end = j
                    break
        if end < 0:
            break
        inner = text[at + 1 : end]
        lead = (plain if plain is not None else text)[:at]
        if len(inner.strip()) >= 2 and "\0" not in inner and _leads(lead):
            out.append((at, end + 1))
        at = text.find('"', end + 1)
    return sorted(out)


def _leads(text: str) -> bool:
    """Whether the words before a quote may lead a citation (a name, authors, a number),
    not prose that happens to quote a word (``used to transport "dvs/events" topics``)."""
    words = re.findall(r"[^\W\d_][\w'-]*", text.replace("\0", " "))
    prose = [w for w in words if w[0].islower() and len(w) > 3 and w not in ("al",)]
    return not prose


def _plain(text: str, out: list[_Seg]) -> None:
    """Plain words, cut into parts at their separators; ``[…]`` and ``(…)`` are parts."""
    last = 0
    for m in re.finditer(r"\[([^\[\]]*)\]|\(([^()]*)\)", text):
        _cut(text[last : m.start()], out)
        kind = "bracket" if m.group(1) is not None else "paren"
        out.append(_Seg((m.group(1) or m.group(2) or "").strip(), kind, m.group()[0]))
        last = m.end()
    _cut(text[last:], out)


_STOP = re.compile(r"(?<![\s.][A-Z])(?<!\bal)(?<!\bet)\.(?=\s|$)|;|\s[-–—|]\s|:(?=\s)|[()]")
"""Where a citation's plain text parts: a full stop (not an initial's or ``et al.``'s),
a semicolon, a dash, a colon, a parenthesis; then at its commas, unless the part is a
list of authors."""


def _cut(text: str, out: list[_Seg]) -> None:
    """Plain words in parts: a list of authors (``Hugo Touvron, Thibaut Lavril, and
    Gautier Izacard``) is one part, anything else is cut at its commas too."""
    last = 0
    sep = ""
    for m in [*_STOP.finditer(text), None]:
        stop = m.start() if m is not None else len(text)
        chunk = text[last:stop]
        if authors_like(chunk.strip()):
            out.append(_Seg(chunk.strip(), "plain", sep))
        else:
            _commas(chunk, out, sep)
        if m is not None:
            if out and not out[-1].after and not chunk.strip():
                out[-1].after = m.group().strip()
            sep = m.group().strip() or "-"
            last = m.end()


def _commas(text: str, out: list[_Seg], sep: str) -> None:
    last = 0
    for m in re.finditer(",", text):
        piece = text[last : m.start()].strip()
        if piece:
            out.append(_Seg(piece, "plain", sep))
        elif out and not out[-1].after:
            out[-1].after = m.group().strip()
        sep = m.group().strip() or "-"
        last = m.end()
    piece = text[last:].strip()
    if piece:
        out.append(_Seg(piece, "plain", sep))
    elif out and text.strip():
        out.append(_Seg("", "plain", text.strip()[:1]))  # a separator ending the text


def clean_end(text: str) -> str:
    return text.strip().rstrip(".,;:").strip()


def is_date(text: str) -> bool:
    text = text.strip().strip("()").strip()
    return bool(_YEAR_ONLY.match(text)) or parse_date(text) is not None


def _venue_like(text: str) -> bool:
    if _VENUE_WORDS.search(text):
        return True
    words = [w for w in text.split() if not _YEAR_ONLY.match(w)]
    if not words or len(words) > 8:
        return False
    if _ACRONYM.match(words[0].strip(".,")):
        return True
    return len(words) <= 6 and (bool(YEAR.search(text)) or bool(re.search(r"\d", text)))


def authors_like(text: str) -> bool:
    """``Jane Doe, John Roe, and Ann Poe``, ``Doe et al.``, ``Lagorce, X., Meyer, C.``."""
    if re.search(r"\d", text) or len(text) < 4:
        return False
    if re.search(r"\bet al\b", text, re.IGNORECASE):
        return True
    parts = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", text.strip(" .")) if p]
    if len(parts) < 2 or not all(_a_name(p) for p in parts):
        return False
    # "Lagorce, X., Meyer, C.": surnames and initials; else one-word parts are rare
    # ("Xianyu" among thirty) and a title's words ("Secure, People-Centric Agents") are not.
    initials = sum(bool(_INITIALS.match(p.strip())) for p in parts)
    single = sum(len(p.split()) == 1 for p in parts) - 2 * initials
    if len(parts) >= 3 and all(len(p.split()) == 1 for p in parts[:2]):
        single -= 2  # "Bengio, Yoshua, Ian J. Goodfellow": the first author surname first
    return single <= max(0, (len(parts) - 2) // 3)


_INITIALS = re.compile(r"^(?:[A-Z]\.?\s?-?)+\.?$")
_SHOUTED = re.compile(r"[A-Z]{2,}(?![.\w]*\.)")
"""``AI``, ``LLM``: an acronym, which no name is (``A.G.`` initials are)."""


def _a_name(part: str) -> bool:
    words = part.split()
    return (
        1 <= len(words) <= 5
        and not any(_SHOUTED.fullmatch(w.strip("-")) or _SHOUTED.match(w) for w in words)
        and all(
            w[:1].isupper() or w.lower() in _PARTICLES or w.startswith(("(", "'")) for w in words
        )
    )


def set_field(f: Found, key: str, value: str) -> None:
    value = value.strip()
    if value and getattr(f, key) is None:
        setattr(f, key, value)


def set_date(f: Found, text: str) -> bool:
    text = text.strip().strip("()").strip().rstrip(".")
    if f.date is not None or not is_date(text):
        return False
    f.date = text
    f.iso_date = parse_date(text) or None
    return True


def set_authors(f: Found, text: str) -> None:
    text = text.strip().rstrip(",;").strip()
    if not f.authors and text:
        f.authors_text = text
        f.authors = split_names(text)


def _part(f: Found, seg: _Seg, before_title: bool) -> None:
    """A plain part of a citation: its date, venue or authors (or the entry's name, before
    its title)."""
    text = clean_end(seg.text)
    if not text or _INDEX.match(text) or set_date(f, text):
        return
    if authors_like(text) and not f.authors:
        set_authors(f, text)
    elif before_title:
        if f.name is None and len(text.split()) <= 4:
            f.name = text
    elif _venue_like(text):
        set_field(f, "venue", text)


def _italic(f: Found, seg: _Seg) -> None:
    """``*Venue, Mon YYYY*``, ``*Liang Chen et al. arXiv.*``, ``*Ning Ding, Shengding Hu*``,
    ``(*Google*)``."""
    text = clean_end(seg.text)
    if seg.before == "(" and seg.after == ")" and not is_date(text):
        set_field(f, "affiliation", text)
        return
    m = _ET_AL.match(text)
    if m and not f.authors:  # "Liang Chen et al. arXiv": the authors end at "et al."
        set_authors(f, m.group(1))
        text = m.group(2)
    elif authors_like(text) and not f.authors:
        set_authors(f, text)
        return
    for piece in re.split(r",\s*|(?<![A-Z])\.\s+", text):
        piece = clean_end(piece)
        if not piece or set_date(f, piece):
            continue
        if authors_like(piece) and not f.authors:
            set_authors(f, piece)
        elif f.venue is None:
            f.venue = piece


def _describes(body: list[_Seg], i: int) -> bool:
    """Whether part ``i`` is a name that plain words describe (``**Toolformer** - …``,
    ``**RoboTracer**: …``) rather than a title followed by its venue or date."""
    text = clean_end(body[i].text)
    nxt = body[i + 1] if i + 1 < len(body) else None
    return (
        not body[i].text.rstrip().endswith(".")
        and len(text.split()) <= 5
        and body[i].after in (":", "-", "–", "—", "|", "]")
        and nxt is not None
        and nxt.kind == "plain"
        and len(nxt.text.split()) >= 2
    )


def cite(f: Found, line: md.Line, primary: int) -> None:
    """What a citation line says, each part in its field (a field already set stays)."""
    body, tail = _segments(line, primary)
    link_text = SPACE.sub(" ", line.links[primary].text).strip() if primary >= 0 else ""
    title_at: int | None = None
    quote = next((i for i, s in enumerate(body) if s.kind == "quote"), None)
    link = next((i for i, s in enumerate(body) if s.kind == "link"), None)
    strong = [i for i, s in enumerate(body) if s.kind == "strong" and not _INDEX.match(s.text)]
    had_title = f.title is not None
    if quote is not None:
        title_at = quote
    elif link is not None and not names_target(f, link_text) and not GENERIC.match(link_text):
        title_at = link
    elif strong and not _describes(body, strong[0]):
        title_at = strong[0]
    if title_at is not None and not had_title:
        f.title = clean_end(body[title_at].text)
    for i, seg in enumerate(body):
        if i == title_at:
            continue
        before = title_at is not None and i < title_at and not had_title
        if seg.kind in ("strong", "link") and not _INDEX.match(seg.text):
            if f.name is None and len(seg.text.split()) <= 6:
                f.name = clean_end(seg.text)
            if title_at is None and _describes(body, i):
                set_field(f, "description", after_name(label_free(line), seg.text))
                break
        elif seg.kind == "em":
            _italic(f, seg)
        elif seg.kind == "bracket":
            if set_date(f, seg.text):
                continue
            if before and f.name is None:
                f.name = clean_end(seg.text)
            elif not before and f.venue is None and _venue_like(seg.text):
                f.venue = clean_end(seg.text)
        elif seg.kind == "paren":
            text = seg.text.removeprefix("@").strip()
            if not set_date(f, text) and seg.text.startswith("@"):
                set_field(f, "affiliation", text)
        elif seg.kind == "quote":
            continue
        else:
            _part(f, seg, before)
    for seg in tail:
        if seg.kind == "plain":
            set_date(f, clean_end(seg.text))


def label_free(line: md.Line) -> str:
    """The line's text before its link labels."""
    text = ""
    for r in line.runs:
        if r.link >= 0 and _is_label(line, r.link, text):
            break
        text += r.text
    return SPACE.sub(" ", text).strip()


def after_name(text: str, name: str) -> str:
    """What ``text`` says after ``name`` and its separator (``**Name** - summary``)."""
    at = text.find(name)
    rest = text[at + len(name) :] if at >= 0 else ""
    return rest.strip().lstrip("*_]:-–—|) ").strip().rstrip(" ([|").strip()


def names_target(f: Found, text: str) -> bool:
    """Whether a link's text is the name of the repository (or dataset) it goes to."""
    if f.kind not in ("repo", "dataset") and not f.ref.prefix.startswith("hf-"):
        return False
    # As import reads it: a repository's name, or a dataset's whole ID, is what the source
    # calls it too; any other text (``zhihu_rlhf_3k`` for liyucheng/zhihu_rlhf_3k) is typed.
    key = squash(f.ref.key.split("/")[1] if f.kind == "repo" else f.ref.key)
    return bool(key) and squash(text) in (key, squash(f.ref.key))
