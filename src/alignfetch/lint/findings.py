"""The findings of ``alignfetch check`` and how they are written.

This module owns the rules' table (each rule's stable name, default severity and
one-line explanation, in the order ``check --rules`` lists them), a
:class:`Finding`, and a run's :class:`Result` with its three ways of being
written: for a person, as JSON, and as GitHub workflow commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from alignfetch.errors import cap_echo
from alignfetch.records import strip_controls

__all__ = [
    "RULES",
    "SEVERITIES",
    "TEXT_LIMIT",
    "Finding",
    "Result",
    "Rule",
    "rules_text",
    "shown",
    "shown_file",
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
        Rule(
            "duplicate",
            "error",
            "the same work twice, in any form or section (but once in each section "
            "entries.toml lists it in)",
        ),
        Rule("withdrawn", "error", "arXiv says the paper was withdrawn"),
        Rule(
            "venue",
            "warning",
            "a typed venue is not where Semantic Scholar says the paper was published "
            "(arXiv 2023 for a paper of ACL 2023)",
        ),
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
        Rule(
            "toc",
            "error",
            "a link to a heading of the file (#a, ./#a) names none, "
            "or a table of contents lists one heading twice",
        ),
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

TEXT_LIMIT = 1000
"""The most characters of one text of a finding (its message, what the file and the
source say): a README's 1 MB heading is not printed whole."""
_MARKS = re.compile("[\u061c\u200e\u200f]")
"""Bidi marks (which :func:`alignfetch.records.strip_controls` leaves)."""
_SEPARATORS = re.compile("[\u2028\u2029]")


def shown(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` as ``check`` prints it, whichever rule made it and from whatever a README
    says: on one line, without control characters or bidi characters (an escape sequence
    cannot reach the terminal), no GitHub workflow command inside it (``##[error]``,
    which the runner obeys anywhere in a line, is written ``# #[error]``), and at most
    ``limit`` characters (ending in an ellipsis when cut)."""
    text = _MARKS.sub("", strip_controls(_SEPARATORS.sub(" ", text)))
    return cap_echo(text.replace("##[", "# #["), limit)


def shown_file(name: str) -> str:
    """A file's name as ``check`` prints it: :func:`shown`, and ``./`` before a name that
    would start a line as a workflow command does (``::error::…``)."""
    name = shown(name)
    return f"./{name}" if name.lstrip().startswith("::") else name


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


@dataclass
class Result:
    findings: list[Finding]
    entries: int
    files: list[str]
    unresolved: list[str] = field(default_factory=list)
    """IDs neither the cache nor the sources could answer (their source rules were skipped)."""

    def __post_init__(self) -> None:
        # The summary and the file's heading start a line: see shown_file.
        self.files = [shown_file(f) for f in self.files]
        self.unresolved = [shown(u) for u in self.unresolved]

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
            mine = [f for f in self.findings if shown_file(f.file) == file]
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
    """``text`` as a workflow command's data: ``%``, CR and LF escaped as the runner
    unescapes them, and ``##[`` (the old form of a command, obeyed anywhere in a line)
    broken, so that no text makes a second command."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", "# #[")


def _gh_prop(text: str) -> str:
    """``text`` as a property's value: :func:`_gh_data`, and ``:`` and ``,``, which end it."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def rules_text() -> str:
    return "".join(f"{r.name:<10} {r.severity:<8} {r.summary}\n" for r in RULES.values())
