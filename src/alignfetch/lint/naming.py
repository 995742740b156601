"""The rules over what a README entry's text and badges name: mismatch and badge.

This module owns telling whether a link text (or tagline) names the work its link
goes to, or names another repository that the entry's badges or other links point
to (lists use nicknames; a text alone that does not name the target is no
evidence), and which repositories an entry's GitHub badges name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from alignfetch.errors import BadIdError
from alignfetch.lint.config import Sink
from alignfetch.lint.facts import norm
from alignfetch.list import ids
from alignfetch.readme.reading import GENERIC, Found
from alignfetch.records import Collection, Dataset, Model, Record, Repo, Space

__all__ = ["badges", "mismatch"]


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


_BADGE = re.compile(
    r"^https?://img\.shields\.io/github/(?:stars|last-commit|commit-activity/[a-z]+|forks|"
    r"issues|license|release|v/release)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)",
    re.IGNORECASE,
)


def _names(t: ids.Ref, r: Record | None) -> list[str]:
    """What the link's target may be called: its name, ``owner/name``, its title."""
    key = t.key
    out = [key]
    parts = key.split("/")
    if t.prefix == "gh":
        out += [parts[1], "/".join(parts[:2]), parts[-1]]
    elif len(parts) > 1:
        out.append(parts[-1])
    if isinstance(r, Dataset | Repo | Model | Space | Collection):
        out.append(r.title)
        if isinstance(r, Repo):
            out.append(r.full_name.split("/")[-1])
    return [n for n in out if n]


def _named_by_text(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` (a link text or tagline) names one of ``names``."""
    squashed = _squash(text)
    if not squashed:
        return True
    for name in names:
        n = _squash(name)
        if n and (n in squashed or fuzz.partial_ratio(n, squashed) >= 85):
            return True
    return False


def _badge_repos(f: Found) -> list[str]:
    out = []
    for url in f.badges:
        m = _BADGE.match(url)
        if m:
            out.append(f"{m.group(1)}/{m.group(2).removesuffix('.svg')}")
    return out


def mismatch(sink: Sink, f: Found, t: ids.Ref, r: Record | None) -> None:
    """Text that names another repository or Hub repo than the link's target.

    A text alone that does not name the target is no evidence (lists use nicknames:
    ``Alpaca_GPT4``, ``Dataset Link``); it must name what the entry's badges or other
    links point to, or the badges must all name another repository than the link.
    """
    if t.prefix in ("arxiv", "url") or not f.text.strip():
        return
    head = re.split(r"\s*[:：]\s+|\s+[-–—|]\s+", f.text.strip(), maxsplit=1)[0]
    if GENERIC.match(head.strip()) or head.startswith(("http://", "https://")):
        return
    text_names_it = _named_by_text(head, _names(t, r)) or (
        isinstance(r, Repo) and r.description is not None and _similar(f.text, r.description)
    )
    if text_names_it:
        return  # badges naming another repository are the badge rule's
    own = {"/".join(t.key.split("/")[:2]).lower()}
    if isinstance(r, Repo):
        own.add(r.full_name.lower())
    badges = _badge_repos(f)
    other_badges = [f"gh:{b}" for b in badges if b.lower() not in own]
    other_links = [
        str(ref)
        for ref in _link_refs(f)
        if ref.prefix not in ("arxiv", "url") and ref.identity != t.identity
    ]
    named = [
        o
        for o in dict.fromkeys([*other_badges, *other_links])
        if _named_by_text(head, [o.split(":", 1)[1].split("/")[1]])
    ]
    every_badge = bool(badges) and len(other_badges) == len(badges)
    if not named and not every_badge:
        return
    by = ["its text"] + (
        [f"{len(other_badges)} badge{'s' if len(other_badges) != 1 else ''}"]
        if other_badges
        else []
    )
    what = named[0] if named else other_badges[0]
    verb = "names" if len(by) == 1 else "name"
    if not named:  # the text names neither; the badges name another
        by, verb = by[1:], ("names" if len(other_badges) == 1 else "name")
        what = other_badges[0]
    shown = r.full_name if isinstance(r, Repo) else t.key
    sink.add(
        "mismatch",
        str(t),
        f.line,
        f"The link goes to {t}, but {' and '.join(by)} {verb} {what}.",
        expected=shown,
        found=f.text.strip(),
    )


def _similar(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(norm(a), norm(b)) >= 80


def badges(sink: Sink, f: Found, t: ids.Ref, r: Record | None) -> None:
    own: dict[str, str] = {}
    for ref in [t, *_link_refs(f)]:
        if ref.prefix == "gh":
            name = "/".join(ref.key.split("/")[:2])
            own.setdefault(name.lower(), name)
    if isinstance(r, Repo):
        own.setdefault(r.full_name.lower(), r.full_name)
    if not own:
        return
    for repo in dict.fromkeys(_badge_repos(f)):
        if repo.lower() not in own:
            sink.add(
                "badge",
                str(t),
                f.line,
                f"A badge names gh:{repo}, not the entry's repository.",
                expected=", ".join(own.values()),
                found=repo,
            )


def _link_refs(f: Found) -> list[ids.Ref]:
    out = []
    for _, url, _line in f.links:
        try:
            out.append(ids.parse(url))
        except BadIdError:
            continue
    return out
