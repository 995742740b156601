"""Templates are data, not code.

A template named in entries.toml (``[list] template``) comes with the list, so a
pull request can change it: it must lie inside the list's folder, may include
only templates there (or alignfetch's own), and runs in Jinja's sandbox. A
``--template`` on the command line may be anywhere, and is sandboxed too. Every
refusal is one sentence naming the template, exit 2, with nothing secret on
stdout and no file written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import Fakes, run, state

DATA = Path(__file__).parent / "data"
SECRET = "TOPSECRET-7f3a"

ENTRIES = """\
[list]
title = "Mine"
template = "{template}"

[[sections]]
slug = "papers"
title = "Papers"
"""


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/list`` is the list's folder; a secret and a template lie outside it."""
    folder = tmp_path / "list"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    (tmp_path / "outside.j2").write_text(f"{SECRET} {{{{ list.title }}}}\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    return folder


def use(folder: Path, template: str, **files: str) -> None:
    """entries.toml naming ``template``, an export of it for --from, and ``files``."""
    (folder / "entries.toml").write_text(ENTRIES.format(template=template), encoding="utf-8")
    doc = {
        "schema_version": 1,
        "list": {"title": "Mine", "template": template},
        "sections": [{"slug": "papers", "title": "Papers", "parent": None}],
        "entries": [],
    }
    (folder / "export.json").write_text(json.dumps(doc), encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def refused(folder: Path, message: str, *args: str) -> None:
    """``render --from export.json -o README.md`` fails with exactly ``message``."""
    before = state(folder)
    result = run("render", "--from", "export.json", "-o", "README.md", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"alignfetch: {message}\n"
    assert result.stdout == ""
    assert SECRET not in result.output and "root:" not in result.output
    assert state(folder) == before
    assert not (folder / "README.md").exists()


# -- [list] template must lie inside the list's folder ------------------------------------


def test_an_absolute_template_path_is_refused(layout: Path) -> None:
    use(layout, "/etc/passwd")
    refused(
        layout,
        "The template /etc/passwd lies outside the list's folder; put it inside that folder "
        "and name it relative to entries.toml.",
    )


def test_a_template_path_climbing_out_is_refused(layout: Path) -> None:
    use(layout, "../outside.j2")
    refused(
        layout,
        "The template ../outside.j2 lies outside the list's folder; put it inside that folder "
        "and name it relative to entries.toml.",
    )


def test_a_template_climbing_out_and_back_in_is_allowed(layout: Path) -> None:
    use(layout, "../list/mine.j2", **{"mine.j2": "{{ list.title }} here\n"})
    result = run("render", "--from", "export.json")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Mine here\n"


def test_a_symbolic_link_out_of_the_folder_is_refused(layout: Path) -> None:
    use(layout, "sub/link.j2")
    (layout / "sub").mkdir()
    (layout / "sub" / "link.j2").symlink_to(layout.parent / "outside.j2")
    refused(
        layout,
        "The template sub/link.j2 lies outside the list's folder; put it inside that folder "
        "and name it relative to entries.toml.",
    )


def test_a_symbolic_link_inside_the_folder_is_followed(layout: Path) -> None:
    use(layout, "link.j2", **{"real.j2": "{{ list.title }} via a link\n"})
    (layout / "link.j2").symlink_to(layout / "real.j2")
    result = run("render", "--from", "export.json")
    assert (result.exit_code, result.stdout) == (0, "Mine via a link\n")


def test_the_template_named_in_entries_toml_is_confined_too(fakes: Fakes, layout: Path) -> None:
    """The same rule when rendering from the cache (entries.toml's [list] template)."""
    use(layout, "../outside.j2")
    before = state(layout)
    result = run("render")
    assert result.exit_code == 2
    assert result.stderr == (
        "alignfetch: The template ../outside.j2 lies outside the list's folder; put it inside "
        "that folder and name it relative to entries.toml.\n"
    )
    assert result.stdout == "" and SECRET not in result.output
    assert state(layout) == before


# -- includes and imports ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ('{% include "/etc/passwd" %}', "/etc/passwd"),
        ('{% include "../secret.txt" %}', "../secret.txt"),
        ('{% include "a/../../secret.txt" %}', "a/../../secret.txt"),
        ('{% import "../outside.j2" as x %}', "../outside.j2"),
        ('{% from "../outside.j2" import y %}', "../outside.j2"),
        ('{% extends "../outside.j2" %}', "../outside.j2"),
        ('{% include "link.txt" %}', "link.txt"),
    ],
    ids=["absolute", "parent", "climb", "import", "from-import", "extends", "symlink"],
)
def test_includes_cannot_leave_the_folder(layout: Path, tag: str, name: str) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": f"Top\n{tag}\n"})
    (layout / "link.txt").symlink_to(layout.parent / "secret.txt")
    refused(
        layout,
        f"The template list.md.j2 includes {name!r}, which lies outside {layout.resolve()}; "
        "a template may include only templates inside that folder.",
    )


def test_includes_inside_the_folder_and_alignfetchs_own_work(layout: Path) -> None:
    use(
        layout,
        "list.md.j2",
        **{
            "list.md.j2": '{% include "parts/head.j2" %}{% include "awesome.md.j2" %}',
            "head.j2": "wrong folder\n",
        },
    )
    (layout / "parts").mkdir()
    (layout / "parts" / "head.j2").write_text("My own head\n", encoding="utf-8")
    result = run("render", "--from", "export.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("My own head\n# Mine [![Awesome](")
    assert "- [Mine ](#mine-)\n" in result.stdout  # its empty section has no heading (15c)


def test_a_missing_include_names_both_templates(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": '{% include "nope.j2" %}'})
    refused(
        layout,
        f"The template list.md.j2 includes 'nope.j2', which is not a template in "
        f"{layout.resolve()} or among alignfetch's own; fix the name.",
    )


def test_an_include_that_is_not_utf8(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": '{% include "latin.j2" %}'})
    (layout / "latin.j2").write_bytes("caf\xe9\n".encode("latin-1"))
    refused(layout, "The template list.md.j2 includes 'latin.j2', but it is not UTF-8 text.")


def test_an_include_with_a_syntax_error(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": '{% include "bad.j2" %}', "bad.j2": "a\n{% if %}\n"})
    refused(
        layout,
        "The template list.md.j2 includes bad.j2, which has a syntax error at line 2: "
        "Expected an expression, got 'end of statement block'.",
    )


# -- the sandbox ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "attribute", "owner"),
    [
        ("cycler.__init__.__globals__.os.popen('touch pwned').read()", "__init__", "type"),
        ("lipsum.__globals__['os'].popen('touch pwned').read()", "__globals__", "function"),
        ("''.__class__.__mro__[1].__subclasses__()", "__class__", "str"),
        ("self.__init__.__globals__", "__init__", "TemplateReference"),
        ('"{0.__class__}".format(1)', "__class__", "int"),
    ],
    ids=["cycler", "lipsum", "mro", "self", "format"],
)
def test_templates_cannot_reach_python(
    layout: Path, expression: str, attribute: str, owner: str
) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": f"{{{{ list.title }}}}\n{{{{ {expression} }}}}\n"})
    refused(
        layout,
        f"The template list.md.j2 tried something templates may not do at line 2 (access to "
        f"attribute '{attribute}' of '{owner}' object is unsafe); use only the variables and "
        "filters alignfetch documents.",
    )
    assert not (layout / "pwned").exists()


def test_the_command_line_template_may_live_anywhere(layout: Path) -> None:
    use(layout, "")
    outside = layout.parent / "outside.j2"
    result = run("render", "--from", "export.json", "--template", str(outside))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{SECRET} Mine\n"  # the user's own choice: it is theirs to show


def test_the_command_line_template_is_sandboxed_too(layout: Path, tmp_path: Path) -> None:
    use(layout, "")
    mine = tmp_path / "mine.j2"
    mine.write_text("{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}\n")
    refused(
        layout,
        f"The template {mine} tried something templates may not do at line 1 (access to "
        "attribute '__init__' of 'type' object is unsafe); use only the variables and filters "
        "alignfetch documents.",
        "--template",
        str(mine),
    )
    assert not (layout / "pwned").exists() and not (tmp_path / "pwned").exists()


# -- template errors are one sentence naming the template -------------------------------


def test_a_template_that_includes_itself(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": 'x{% include "list.md.j2" %}'})
    refused(
        layout,
        "The template list.md.j2 recurses without end (does it include itself?); break the loop.",
    )


def test_a_macro_that_calls_itself(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"})
    refused(
        layout,
        "The template list.md.j2 recurses without end (does it include itself?); break the loop.",
    )


def test_a_template_that_is_not_utf8(layout: Path) -> None:
    use(layout, "list.md.j2")
    (layout / "list.md.j2").write_bytes(b"\xff\xfe{{ list.title }}")
    refused(layout, "The template list.md.j2 is not UTF-8 text; save it as UTF-8.")


def test_a_missing_template(layout: Path) -> None:
    use(layout, "gone.j2")
    refused(
        layout, "The template gone.j2 could not be read (No such file or directory); fix the path."
    )


def test_a_template_with_a_syntax_error(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": "ok\n{% for %}\n"})
    refused(
        layout,
        "The template list.md.j2 has a syntax error at line 2: "
        "Expected an expression, got 'end of statement block'.",
    )


def test_a_template_with_an_undefined_value(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": "{{ list.title }}\n{{ list.subtitle }}\n"})
    refused(
        layout,
        "The template list.md.j2 uses an undefined value at line 2: "
        "'dict object' has no attribute 'subtitle'.",
    )


def test_a_template_that_divides_by_zero(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": "a\nb\n{{ 1 // 0 }}\n"})
    refused(layout, "The template list.md.j2 failed at line 3: integer division or modulo by zero.")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_template(layout: Path) -> None:
    use(layout, "list.md.j2", **{"list.md.j2": "x"})
    (layout / "list.md.j2").chmod(0)
    refused(layout, "The template list.md.j2 could not be read (Permission denied); fix the path.")
