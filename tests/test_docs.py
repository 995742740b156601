"""README.md documents every command and option the CLI has (so the two cannot drift)."""

from __future__ import annotations

from pathlib import Path

import click

from alignfetch.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append((prefix + name, command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, f"{prefix}{name} "))
    return out


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for name, command in _commands(cli):
        if f"`{name}" not in README:
            missing.append(f"command {name}")
        missing.extend(
            f"{name} {flag}"
            for param in command.params
            for flag in getattr(param, "opts", [])
            if flag.startswith("--") and flag != "--help" and flag not in README
        )
    missing.extend(
        f"global {flag}"
        for param in cli.params
        for flag in getattr(param, "opts", [])
        if flag.startswith("--") and flag not in README
    )
    assert missing == []


def test_readme_gives_the_ci_commands() -> None:
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "pip install -e '.[test]'" in README and "pip install -e '.[test]'" in ci
    assert "\n    pytest\n" in README and ci.rstrip().endswith("pytest")
