"""``alignfetch check``: what a list says, compared with what its sources say.

This module owns the rules (each with a stable name, a default severity and a
one-line explanation), the findings they make, the ``[check]`` configuration of
entries.toml, and the three ways findings are written (human, JSON, GitHub
workflow commands). Everything here is pure: the records come in already
fetched (:meth:`alignfetch.core.Workspace.check` resolves them through the cache
and the sources), and "today" is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from rapidfuzz import fuzz

from alignfetch.errors import BadIdError, InputError
from alignfetch.lint.links import DEFAULT_MAX_LINKS
from alignfetch.list import ids
from alignfetch.list.entries import Entry
from alignfetch.readme.reading import GENERIC, Found, ListReading
from alignfetch.records import Collection, Dataset, Model, Paper, Record, Repo, Space

if TYPE_CHECKING:
    from alignfetch.lint.links import LinkAnswer

__all__ = [
    "RULES",
    "Config",
    "Facts",
    "Finding",
    "Result",
    "check_entries",
    "check_reading",
    "config_from",
    "entry_links",
    "reading_links",
]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    """``error`` or ``warning``."""
    summary: str


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "mismatch",
            "error",
            "the link text or its badges name something else than the link's target",
        ),
        Rule(
            "title",
            "warning",
            "a typed paper title differs from arXiv's beyond whitespace and case",
        ),
        Rule(
            "authors",
            "warning",
            "typed authors differ from the source's beyond whitespace and case",
        ),
        Rule(
            "date",
            "error",
            "a typed date is neither the first nor the latest version's date, "
            "or a typed year contradicts the paper's",
        ),
        Rule("duplicate", "error", "the same work twice, in any form or section"),
        Rule("withdrawn", "error", "arXiv says the paper was withdrawn"),
        Rule(
            "published",
            "warning",
            "a preprint now has a journal reference or DOI that the list does not show",
        ),
        Rule("archived", "warning", "the GitHub repository is archived"),
        Rule("renamed", "warning", "the repository answers under another name now (a redirect)"),
        Rule("gone", "error", "the source answered 404 or 410 at the last fetch"),
        Rule("stale", "warning", "the repository has had no push for --stale-months (default 24)"),
        Rule("gated", "warning", "the dataset or model is gated or disabled"),
        Rule("toc", "error", "a table-of-contents link names an anchor no heading has"),
        Rule(
            "badge", "error", "a stars or last-commit badge names another repository than the entry"
        ),
        Rule(
            "link",
            "warning",
            "a web link answers 404, 410 or 5xx, or cannot be reached (not with --offline)",
        ),
    )
}
"""Every rule, in the order ``check --rules`` lists them."""
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    id: str | None
    file: str
    line: int | None
    message: str
    expected: str | None = None
    """What the source says."""
    found: str | None = None
    """What the file says."""

    def json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


@dataclass(frozen=True)
class Config:
    """The ``[check]`` table of entries.toml."""

    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, str] = field(default_factory=dict)
    max_links: int = DEFAULT_MAX_LINKS
    """The most web links the link rule asks in one run (the rest wait for the next)."""


def config_from(table: object, where: str = "entries.toml") -> Config:
    """``[check]`` as read by tomllib, checked; a bad value is an :class:`InputError`."""
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise InputError(f"In {where}, [check] must be a table.")
    unknown = sorted(set(table) - {"ignore", "severity", "max_links"})
    if unknown:
        raise InputError(
            f"In {where}, [check] has unknown key(s) {', '.join(unknown)}; "
            "allowed: ignore, severity, max_links."
        )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(r, str) for r in ignore):
        raise InputError(f'In {where}, [check] ignore must be a list of rule names, ["stale"].')
    check_rules(ignore, f"In {where}, [check] ignore")
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise InputError(
            f'In {where}, [check] severity must be a table, severity = {{stale = "error"}}.'
        )
    check_rules(list(severity), f"In {where}, [check] severity")
    for rule, level in severity.items():
        if level not in SEVERITIES:
            raise InputError(
                f'In {where}, [check] severity of {rule} must be "error" or "warning", '
                f"not {level!r}."
            )
    max_links = table.get("max_links", DEFAULT_MAX_LINKS)
    # bool is an int to Python; ``max_links = true`` is a mistake all the same.
    if not isinstance(max_links, int) or isinstance(max_links, bool) or max_links < 1:
        raise InputError(
            f"In {where}, [check] max_links must be a whole number of 1 or more, "
            f"such as {DEFAULT_MAX_LINKS}, not {max_links!r}."
        )
    return Config(frozenset(ignore), dict(severity), max_links)


def check_rules(names: Iterable[str], where: str) -> None:
    bad = [n for n in names if n not in RULES]
    if bad:
        raise InputError(
            f"{where} names unknown rule(s) {', '.join(bad)}; "
            f"the rules are {', '.join(RULES)} (see `alignfetch check --rules`)."
        )


@dataclass
class Facts:
    """What the sources say of one ID: its record, or why there is none."""

    record: Record | None = None
    gone: str | None = None
    """The 404/410 message of the last fetch."""


@dataclass
class Result:
    findings: list[Finding]
    entries: int
    files: list[str]
    unresolved: list[str] = field(default_factory=list)
    """IDs neither the cache nor the sources could answer (their source rules were skipped)."""

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def json(self) -> dict[str, Any]:
        return {
            "findings": [f.json() for f in self.findings],
            "summary": {"errors": self.errors, "warnings": self.warnings, "entries": self.entries},
        }

    def summary(self) -> str:
        where = ", ".join(self.files)
        n = f"{self.entries} entr{'y' if self.entries == 1 else 'ies'}"
        if not self.findings:
            return f"{where}: no problems in {n}."
        e, w = self.errors, self.warnings
        return (
            f"{where}: {e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''} in {n}."
        )

    def text(self, color: bool = False) -> str:
        """Findings grouped by file, in line order, then the summary line."""
        import click

        def style(text: str, **kw: Any) -> str:
            return click.style(text, **kw) if color else text

        out: list[str] = []
        for file in self.files:
            mine = [f for f in self.findings if f.file == file]
            if not mine:
                continue
            out.append(style(file, bold=True))
            for f in mine:
                level = style(
                    f"{f.severity:<7}", fg="red" if f.severity == "error" else "yellow", bold=True
                )
                where = f"{f.line}" if f.line is not None else "-"
                out.append(f"  {where:>5}  {level}  {f.rule:<9}  {f.message}")
                if f.found is not None:
                    out.append(f"{'':27}the file says:    {f.found}")
                if f.expected is not None:
                    out.append(f"{'':27}the source says:  {f.expected}")
            out.append("")
        out.append(self.summary())
        return "\n".join(out) + "\n"

    def github(self) -> str:
        """One workflow command per finding, so that findings annotate a pull request."""
        lines = []
        for f in self.findings:
            props = f"file={_gh_prop(f.file)}"
            if f.line is not None:
                props += f",line={f.line}"
            props += f",title={_gh_prop(f.rule)}"
            message = f.message
            if f.expected is not None:
                message += f" (the source says: {f.expected})"
            lines.append(f"::{f.severity} {props}::{_gh_data(message)}")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def rules_text() -> str:
    return "".join(f"{r.name:<10} {r.severity:<8} {r.summary}\n" for r in RULES.values())


# -- shared helpers -----------------------------------------------------------------------


def _norm(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _shown(iso: str) -> str:
    """``2022-10-28`` -> ``28 Oct 2022``."""
    d = Date.fromisoformat(iso[:10])
    return f"{d.day} {d.strftime('%b')} {d.year}"


_ARXIV_YEAR = re.compile(r"^arxiv\s+((?:19|20)\d{2})$", re.IGNORECASE)
_BADGE = re.compile(
    r"^https?://img\.shields\.io/github/(?:stars|last-commit|commit-activity/[a-z]+|forks|"
    r"issues|license|release|v/release)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)",
    re.IGNORECASE,
)
GONE = re.compile(r"\b(404|410)\b|does not exist|not found", re.IGNORECASE)
"""A last fetch error that says the object is gone."""
_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)


class _Sink:
    """Collects findings, applying the configuration and per-entry ignores."""

    def __init__(self, file: str, config: Config, ignores: Mapping[str, Iterable[str]]) -> None:
        self.file = file
        self.config = config
        self.ignores = {k: set(v) for k, v in ignores.items()}
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        rid: str | None,
        line: int | None,
        message: str,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        if rule in self.config.ignore:
            return
        if rid is not None and rule in self.ignores.get(ids.identity(rid), ()):
            return
        severity = self.config.severity.get(rule, RULES[rule].severity)
        self.findings.append(
            Finding(rule, severity, rid, self.file, line, message, expected, found)
        )

    def note(self, rule: str, message: str) -> None:
        """A warning about the check itself, not about an entry: the rule's ``ignore``
        applies, its severity does not (a list too long to check in one run is no error)."""
        if rule not in self.config.ignore:
            self.findings.append(Finding(rule, "warning", None, self.file, None, message))


def _source_rules(
    sink: _Sink,
    rid: str,
    line: int | None,
    facts: Facts,
    typed_venue: str | None,
    today: Date,
    stale_months: int,
) -> None:
    """The rules that need only the record: withdrawn, published, archived, renamed,
    gone, stale, gated."""
    if facts.gone is not None:
        sink.add("gone", rid, line, f"{rid} is gone: {facts.gone}")
    r = facts.record
    if isinstance(r, Paper):
        if _WITHDRAWN.search(r.comment or ""):
            sink.add("withdrawn", rid, line, f"{rid} was withdrawn.", expected=r.comment)
        doi = r.doi if r.doi and not r.doi.lower().startswith("10.48550/") else None
        ref = r.journal_ref or (f"DOI {doi}" if doi else None)
        shows = typed_venue is not None and not _ARXIV_YEAR.match(typed_venue.strip())
        if ref and not shows:
            sink.add(
                "published",
                rid,
                line,
                f"{rid} is published now ({ref}); the list shows "
                + (f"{typed_venue!r}." if typed_venue else "no venue."),
                expected=ref,
                found=typed_venue,
            )
    elif isinstance(r, Repo):
        if r.archived:
            sink.add("archived", rid, line, f"{rid} is archived on GitHub.")
        asked = "/".join(rid.split(":", 1)[1].split("/")[:2])
        if r.redirected_from or r.full_name.lower() != asked.lower():
            sink.add(
                "renamed",
                rid,
                line,
                f"{rid} is now {r.full_name} on GitHub.",
                expected=r.full_name,
                found=asked,
            )
        if r.pushed_at:
            pushed = Date.fromisoformat(r.pushed_at[:10])
            months = (today.year - pushed.year) * 12 + today.month - pushed.month
            if today.day < pushed.day:
                months -= 1
            if months >= stale_months:
                sink.add(
                    "stale",
                    rid,
                    line,
                    f"{rid} has had no push for {months} months (last {_shown(r.pushed_at)}).",
                    expected=r.pushed_at[:10],
                )
    elif isinstance(r, Dataset | Model):
        key = rid.split(":", 1)[1]
        if r.disabled:
            sink.add("gated", rid, line, f"{rid} is disabled on the Hub.")
        elif r.gated not in (None, "", "False", "false"):
            sink.add("gated", rid, line, f"{rid} is gated on the Hub ({r.gated}).")
        if isinstance(r, Model) and r.title.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.title} on the Hub.", r.title, key)
    elif isinstance(r, Space):
        key = rid.split(":", 1)[1]
        if r.repo_id.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.repo_id} on the Hub.", r.repo_id, key)
    elif isinstance(r, Collection):
        key = rid.split(":", 1)[1]
        if r.slug.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.slug} on the Hub.", r.slug, key)


def _date_rules(
    sink: _Sink,
    rid: str,
    line: int | None,
    paper: Paper,
    typed_iso: str | None,
    typed_text: str | None,
    typed_venue: str | None,
    also: Sequence[str] = (),
    whose: str = "",
) -> None:
    """A typed day that is neither the first nor the latest version's; a typed
    ``arXiv YYYY`` that is neither version's year. ``also``: more acceptable days."""
    first, latest = paper.published[:10], paper.updated[:10]
    source = (
        f"{_shown(first)} (v1)"
        if first == latest
        else f"{_shown(first)} (v1) or {_shown(latest)} (v{paper.version})"
    )
    if typed_iso is not None and typed_iso not in {first, latest, *(d[:10] for d in also)}:
        sink.add(
            "date",
            rid,
            line,
            f"The date {typed_text or typed_iso} is neither the first nor the latest version's "
            f"date of {whose}{paper.id}.",
            expected=source,
            found=typed_text or typed_iso,
        )
    m = _ARXIV_YEAR.match((typed_venue or "").strip())
    if m and m.group(1) not in {first[:4], latest[:4]}:
        sink.add(
            "date",
            rid,
            line,
            f"The venue says {typed_venue}, but {whose}{paper.id} is from {first[:4]}.",
            expected=source,
            found=typed_venue,
        )


def _title_rules(sink: _Sink, rid: str, line: int | None, typed: str | None, paper: Paper) -> None:
    if not typed or _norm(typed) == _norm(paper.title):
        return
    if len(typed.split()) < 4:
        return  # a short name (``DPO``, ``Judging``) is a nickname, not a title
    if fuzz.ratio(_norm(typed), _norm(paper.title)) < 60:
        sink.add(
            "mismatch",
            rid,
            line,
            f"The title names another paper than the link's target, {rid}.",
            expected=paper.title,
            found=typed,
        )
    else:
        sink.add(
            "title",
            rid,
            line,
            f"The title differs from {rid}'s.",
            expected=paper.title,
            found=typed,
        )


def _author_rules(
    sink: _Sink, rid: str, line: int | None, typed: Sequence[str], paper: Paper, whose: str = ""
) -> None:
    if not typed:
        return
    source = [a.name for a in paper.authors]
    # A typed list may stop early (``et al.``); what it names must agree.
    if len(typed) > len(source) or any(
        _norm(t) != _norm(s) for t, s in zip(typed, source, strict=False)
    ):
        sink.add(
            "authors",
            rid,
            line,
            f"The authors differ from those of {whose}{paper.id}.",
            expected=", ".join(source),
            found=", ".join(typed),
        )


# -- a README -----------------------------------------------------------------------------


def target(f: Found) -> ids.Ref:
    """The ID the entry's primary link goes to (before import's majority vote)."""
    if f.replaced is not None:
        try:
            return ids.parse(f.replaced.url)
        except BadIdError:
            pass
    return f.ref


def wanted(reading: ListReading) -> list[ids.Ref]:
    """The IDs a check of ``reading`` needs: each entry's target and its paper links."""
    out: dict[str, ids.Ref] = {}
    for f in reading.found:
        t = target(f)
        out.setdefault(str(t), t)
        for ref in _paper_links(f):
            out.setdefault(str(ref), ref)
    return list(out.values())


def _paper_links(f: Found) -> list[ids.Ref]:
    out = []
    for _, url, _line in f.links:
        try:
            ref = ids.parse(url)
        except BadIdError:
            continue
        if ref.prefix == "arxiv":
            out.append(ref)
    return out


def check_reading(
    reading: ListReading,
    text: str,
    file: str,
    facts: Mapping[str, Facts],
    *,
    today: Date,
    stale_months: int = 24,
    config: Config | None = None,
    ignores: Mapping[str, Iterable[str]] | None = None,
    links: Mapping[str, LinkAnswer] | None = None,
) -> list[Finding]:
    """Findings for one README: ``facts`` by canonical ID; ``ignores`` by identity;
    ``links``: the web links' answers by URL (none: the link rule is skipped)."""
    sink = _Sink(file, config or Config(), ignores or {})
    seen: dict[str, int] = {}
    for f in reading.found:
        t = target(f)
        rid = str(t)
        # The work an entry is about, by import's reading (a link its own title and
        # badges overrule is the mismatch rule's business, not a duplicate).
        if f.ref.identity in seen:
            sink.add(
                "duplicate",
                str(f.ref),
                f.line,
                f"{f.ref} is already listed at line {seen[f.ref.identity]}.",
            )
        else:
            seen[f.ref.identity] = f.line
        fact = facts.get(rid, Facts())
        r = fact.record
        _mismatch(sink, f, t, r)
        _badges(sink, f, t, r)
        _source_rules(sink, rid, f.line, fact, f.venue, today, stale_months)
        if isinstance(r, Paper):
            _title_rules(sink, rid, f.line, f.title, r)
            _author_rules(sink, rid, f.line, f.authors, r)
            _date_rules(sink, rid, f.line, r, f.iso_date, f.date, f.venue)
        elif isinstance(r, Dataset):
            paper = _dataset_paper(f, r, facts)
            if paper is not None:
                _author_rules(sink, rid, f.line, f.authors, paper, "its paper ")
                also = [d for d in (r.created, r.last_modified) if d]
                _date_rules(
                    sink, rid, f.line, paper, f.iso_date, f.date, f.venue, also, "its paper "
                )
        if links is not None:
            for url, line in _web_links(f):
                _link_rule(sink, rid, line, url, links)
    if links is not None:
        _unchecked(sink, reading_links(reading), links)
    _toc(sink, text)
    return sorted(sink.findings, key=lambda x: (x.line or 0, list(RULES).index(x.rule)))


def _dataset_paper(f: Found, r: Dataset, facts: Mapping[str, Facts]) -> Paper | None:
    for ref in [*_paper_links(f), *(ids.parse(p) for p in r.papers)]:
        p = facts.get(str(ref), Facts()).record
        if isinstance(p, Paper):
            return p
    return None


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


def _mismatch(sink: _Sink, f: Found, t: ids.Ref, r: Record | None) -> None:
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
    return fuzz.token_set_ratio(_norm(a), _norm(b)) >= 80


def _badges(sink: _Sink, f: Found, t: ids.Ref, r: Record | None) -> None:
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


# -- the link rule ------------------------------------------------------------------------


def _web_link(url: str) -> bool:
    """A link the link rule asks: http(s), and no ID of another kind (arXiv, the Hub,
    GitHub: their sources say whether they are gone)."""
    from alignfetch.lint.links import checkable

    if not checkable(url):
        return False
    try:
        return ids.parse(url).prefix == "url"
    except BadIdError:
        return False


def _web_links(f: Found) -> list[tuple[str, int]]:
    """A README entry's web links (the primary one first) with their lines; images and
    badges are not among them."""
    out = [(f.url, f.line)] if f.ref.prefix == "url" else []
    out += [(url, line) for _, url, line in f.links]
    first: dict[str, int] = {}
    for url, line in out:
        if url not in first and _web_link(url):
            first[url] = line
    return list(first.items())


def _entry_web_links(e: Entry) -> list[str]:
    out = [e.id.split(":", 1)[1]] if e.id.startswith("url:") else []
    out += [url for _, url in e.links]
    return [u for u in dict.fromkeys(out) if _web_link(u)]


def reading_links(reading: ListReading) -> list[str]:
    """The URLs the link rule asks for ``reading``."""
    return list(dict.fromkeys(u for f in reading.found for u, _ in _web_links(f)))


def entry_links(entries: Sequence[Entry]) -> list[str]:
    """The URLs the link rule asks for entries.toml."""
    return list(dict.fromkeys(u for e in entries for u in _entry_web_links(e)))


def _link_rule(
    sink: _Sink, rid: str, line: int | None, url: str, links: Mapping[str, LinkAnswer]
) -> None:
    answer = links.get(url)
    if answer is None or not answer.broken:
        return
    if answer.status is not None:
        message = f"The link {url} answered HTTP {answer.status}."
    elif answer.refused is not None:
        message = f"The link {url} {answer.refused}; check asks only public addresses."
    else:
        message = f"The link {url} could not be reached ({answer.error})."
    sink.add("link", rid, line, message, found=url)


def _unchecked(sink: _Sink, urls: Sequence[str], links: Mapping[str, LinkAnswer]) -> None:
    """One warning per limit a run reached, with the number of this file's links it left."""
    left: dict[str, int] = {}
    for url in urls:
        answer = links.get(url)
        if answer is not None and answer.unchecked is not None:
            left[answer.unchecked] = left.get(answer.unchecked, 0) + 1
    for why, n in left.items():
        sink.note(
            "link",
            f"{n} link{'s were' if n != 1 else ' was'} left unchecked: {why}; "
            "the next check asks them first.",
        )


_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+[ \t]*)?$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")


def heading_text(raw: str) -> str:
    """The text GitHub makes a heading's anchor from: images dropped, links' text kept."""
    text = _IMAGE.sub("", raw)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # backslash escapes
    return text.replace("`", "").replace("*", "")


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_ANCHOR_LINK = re.compile(
    r"\]\(\s*<?(#[^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)" r"|href=[\"'](#[^\"']*)[\"']"
)


def _toc(sink: _Sink, text: str) -> None:
    """``#anchor`` links that name no heading. A line scan, not a second Markdown
    parse (the file has been parsed once already; a parse is most of a check's time):
    ATX and setext headings outside fenced code, links ``](#…)`` and ``href="#…"``."""
    from alignfetch.render.page import anchor

    seen: dict[str, int] = {}
    anchors: set[str] = set()
    links: list[tuple[int, str]] = []
    fence: str | None = None
    previous = ""
    for number, raw in enumerate(text.splitlines(), 1):
        m = _FENCE.match(raw)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if m:
            fence = m.group(1)
            previous = ""
            continue
        if (h := _ATX.match(raw)) and raw.lstrip().startswith("#"):
            anchors.add(anchor(heading_text(h.group(1).strip()), seen))
        elif (
            _SETEXT.match(raw)
            and previous.strip()
            and not previous.lstrip().startswith(("#", "-", "*", "+", "|", "<", ">", "`"))
            and not _SETEXT.match(previous)
        ):
            anchors.add(anchor(heading_text(previous.strip()), seen))
        links.extend((number, a or b) for a, b in _ANCHOR_LINK.findall(raw))
        previous = raw
    for line, url in links:
        name = unquote(url[1:])
        if len(url) < 2 or name in anchors or name.lower() in anchors:
            continue
        sink.add("toc", None, line, f"The link {url} names no heading of the file.", found=url)


# -- the list itself ----------------------------------------------------------------------


def check_entries(
    entries: Sequence[Entry],
    lines: Mapping[str, int],
    file: str,
    facts: Mapping[str, Facts],
    *,
    today: Date,
    stale_months: int = 24,
    config: Config | None = None,
    links: Mapping[str, LinkAnswer] | None = None,
) -> list[Finding]:
    """Findings for entries.toml: overrides against the sources, and the records' state;
    ``links``: the web links' answers by URL (none: the link rule is skipped)."""
    sink = _Sink(file, config or Config(), {ids.identity(e.id): e.check_ignore for e in entries})
    same: dict[str, str] = {}
    for e in entries:
        line = lines.get(e.id)
        fact = facts.get(e.id, Facts())
        r = fact.record
        _source_rules(sink, e.id, line, fact, e.venue, today, stale_months)
        if isinstance(r, Paper):
            if e.title:
                _title_rules(sink, e.id, line, e.title, r)
            if e.date:
                _date_rules(sink, e.id, line, r, e.date, e.date, None)
        if isinstance(r, Repo | Model | Space | Collection):
            now = r.full_name if isinstance(r, Repo) else r.id
            if isinstance(r, Repo) and r.path:
                now += "/" + r.path
            key = f"{r.kind}:{now.lower()}"
            if key in same:
                sink.add("duplicate", e.id, line, f"{e.id} is the same work as {same[key]}.")
            else:
                same[key] = e.id
        if links is not None:
            for url in _entry_web_links(e):
                _link_rule(sink, e.id, line, url, links)
    if links is not None:
        _unchecked(sink, entry_links(entries), links)
    return sorted(sink.findings, key=lambda x: (x.line or 0, list(RULES).index(x.rule)))


_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*entries[ \t]*\]\]", re.MULTILINE)


def entry_lines(text: str, entries: Sequence[Entry]) -> dict[str, int]:
    """Each entry's ``[[entries]]`` line in entries.toml, by ID (file order)."""
    starts = [text.count("\n", 0, m.start()) + 1 for m in _ENTRY_HEADER.finditer(text)]
    if len(starts) != len(entries):
        return {}
    return {e.id: line for e, line in zip(entries, starts, strict=True)}
