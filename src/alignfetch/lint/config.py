"""The ``[check]`` table of entries.toml, and where it takes effect.

This module owns :class:`Config` (rules ignored, severities changed, the most web
links one run asks), reading it from the table tomllib gives (a bad value is an
:class:`~alignfetch.errors.InputError`), and the :class:`Sink` through which every
rule reports a finding: it drops what the configuration or an entry's
``check_ignore`` ignores and gives the rest their severity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from alignfetch.errors import InputError, cap_echo
from alignfetch.lint.findings import RULES, SEVERITIES, Finding, shown, shown_file
from alignfetch.lint.links import DEFAULT_MAX_LINKS
from alignfetch.list import ids

__all__ = ["Config", "Sink", "check_rules", "config_from"]


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
            f"In {where}, [check] has unknown key(s) {_names(unknown)}; "
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
        if not isinstance(level, str) or level not in SEVERITIES:
            raise InputError(
                f'In {where}, [check] severity of {rule} must be "error" or "warning", '
                f"not {_value(level)}."
            )
    max_links = table.get("max_links", DEFAULT_MAX_LINKS)
    # bool is an int to Python; ``max_links = true`` is a mistake all the same.
    if not isinstance(max_links, int) or isinstance(max_links, bool) or max_links < 1:
        raise InputError(
            f"In {where}, [check] max_links must be a whole number of 1 or more, "
            f"such as {DEFAULT_MAX_LINKS}, not {_value(max_links)}."
        )
    return Config(frozenset(ignore), dict(severity), max_links)


def check_rules(names: Iterable[str], where: str) -> None:
    bad = [n for n in names if not isinstance(n, str) or n not in RULES]
    if bad:
        raise InputError(
            f"{where} names unknown rule(s) {_names(bad)}; "
            f"the rules are {', '.join(RULES)} (see `alignfetch check --rules`)."
        )


_SHOWN = 10
"""The most unknown names a message repeats."""


def _names(names: Sequence[object]) -> str:
    """Names from entries.toml as a message repeats them: each as written when it is plain
    text, else quoted with its escapes (``'\\x1b]0;…'``), each capped, at most
    :data:`_SHOWN` of them."""
    shown = [_name(n) for n in names[:_SHOWN]]
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(shown) + more


def _name(name: object) -> str:
    if isinstance(name, str) and name.isprintable():
        return cap_echo(name, 60)
    return cap_echo(repr(name), 60)


def _value(value: object) -> str:
    """A value from entries.toml as a message repeats it: quoted, escaped and capped."""
    return cap_echo(repr(value), 60)


class Sink:
    """Collects findings, applying the configuration and per-entry ignores.

    Every rule reports through it, so every finding's texts are cleaned here, whatever
    the rule took them from (:func:`~alignfetch.lint.findings.shown`: one line, no
    control or bidi character, no workflow command, capped)."""

    def __init__(self, file: str, config: Config, ignores: Mapping[str, Iterable[str]]) -> None:
        self.file = shown_file(file)
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
            Finding(
                rule,
                severity,
                None if rid is None else shown(rid),
                self.file,
                line,
                shown(message),
                None if expected is None else shown(expected),
                None if found is None else shown(found),
            )
        )

    def note(self, rule: str, message: str) -> None:
        """A warning about the check itself, not about an entry: the rule's ``ignore``
        applies, its severity does not (a list too long to check in one run is no error)."""
        if rule not in self.config.ignore:
            self.findings.append(Finding(rule, "warning", None, self.file, None, shown(message)))
