"""Audit of issue 18, finding 3: the time limit of a render cannot stop one call of C code.

``[[0] * 1000000] * 1000000`` is a million references to one list: little memory, and every
counter of items saw a million. But ``max``, ``join``, ``==`` (and sort, tojson, ``in``...)
go through each inner list each time it appears, 10**12 values in one call, which the clock
(checked between calls) never interrupts: the render ran for minutes. What a list holds is
now counted deep (nested lists each time they appear) when a list is made, and before every
comparison, filter and method that goes through a value's every part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_templates import ENTRIES

from alignfetch.errors import AlignfetchError
from alignfetch.render import page as render
from alignfetch.render.limits import DEEP_LIMIT
from conftest import state
from test_render import base_doc, paper

README = "# Mine\n\nKept as it is.\n"
MADE = (
    f"it would make a list of more than {DEEP_LIMIT:,} values in all, "
    "counting the values of the lists it holds"
)
WALKED = (
    f"it would go through more than {DEEP_LIMIT:,} values in one step, "
    "counting the values of the lists they hold"
)


def sentence(name: str, reason: str) -> str:
    return (
        f"alignfetch: The template {name} went past a limit of a render at line 1: {reason}; "
        "a list's page never needs as much, so make the template do less.\n"
    )


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``alignfetch render --from export.json -o README.md ARGS`` in its own process: a
    render that never ends fails the test at the timeout instead of hanging the suite."""
    return subprocess.run(
        [sys.executable, "-m", "alignfetch", "render", "--from", "export.json",
         "-o", "README.md", *args],
        cwd=folder, capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )  # fmt: skip


def listed(folder: Path, name: str, template: str) -> None:
    """A list whose ``[list] template`` is ``name``, its export, and a README."""
    (folder / "entries.toml").write_text(ENTRIES.format(template=name), encoding="utf-8")
    doc = base_doc([paper("2401.00001", "One", "2024-01-02")])
    doc["list"]["template"] = name
    (folder / "export.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / name).write_text(template, encoding="utf-8")
    (folder / "README.md").write_text(README, encoding="utf-8")


# -- the three reproductions, through the command ----------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        # Bug: still running after 30 s (300 s with --template): max compares the inner lists.
        "{{ ([[0]*1000000]*1000000)|max|length }}",
        # Bug: 96 s before the text limit stopped it (sizing each item's text, then str()).
        "{{ ([[0]*1000000]*100)|join(',')|length }}",
        # Bug: still running at 60 s.
        "{{ ([[0]*1000000]*1000000)|join(',')|length }}",
        # Bug: still running at 15 s: == compares a million pairs of million-item lists.
        "{{ ([[0]*1000000]*1000000) == ([[0]*1000000]*1000000) }}",
    ],
)
def test_a_list_template_repeating_a_long_list_stops_with_one_sentence(
    tmp_path: Path, template: str
) -> None:
    listed(tmp_path, "list.md.j2", template)
    before = state(tmp_path)
    done = cli(tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == sentence("list.md.j2", MADE)
    assert done.stdout == ""
    assert state(tmp_path) == before


def test_a_template_given_on_the_command_line_is_bounded_alike(tmp_path: Path) -> None:
    """Bug: with --template, the max reproduction still ran after 300 s."""
    listed(tmp_path, "list.md.j2", "{{ list.title }}\n")
    (tmp_path / "mine.j2").write_text("{{ ([[0]*1000000]*1000000)|max|length }}", "utf-8")
    before = state(tmp_path)
    done = cli(tmp_path, "--template", "mine.j2")
    assert done.returncode == 1, done.stderr
    assert done.stderr == sentence("mine.j2", MADE)
    assert state(tmp_path) == before


# -- what can make a deep list cheaply, each refused when made ---------------------------------

DOC = base_doc([paper("2401.00001", "One", "2024-01-02")])


def refused(template: str, reason: str) -> None:
    with pytest.raises(AlignfetchError) as err:
        render.render(DOC, template, name="mine.j2")
    assert str(err.value) == sentence("mine.j2", reason)[len("alignfetch: ") : -1]


A = "{% set a = [0] * 500000 %}"  # half a million values: fine alone, and in one list of a few


@pytest.mark.parametrize(
    "template",
    [
        # Each renders a number (or True) without the bound, in a second or so: the cheap
        # shapes of the audit's hang, each holding more than DEEP_LIMIT values.
        "{{ ([[0] * 1000] * 5000)|length }}",  # repetition of a list of lists
        "{{ ([[0] * 1000] * 100 * 50)|length }}",  # a chain of repetitions
        "{{ (50 * ([[0] * 1000] * 100))|length }}",  # the count first
        "{{ (((0,) * 1000,) * 5000)|length }}",  # of tuples too
        "{% set a = [[0] * 1000] * 3000 %}{{ (a + a)|length }}",  # concatenation
        A + "{{ [a, a, a, a, a, a, a, a, a]|length }}",  # a list written out
        A + "{{ (a, a, a, a, a, a, a, a, a)|length }}",
        A + "{{ {'a': a, 'b': a, 'c': a, 'd': a, 'e': a, 'f': a, 'g': a, 'h': a, 'i': a} }}",
        A + "{{ dict(a=a, b=a, c=a, d=a, e=a, f=a, g=a, h=a, i=a)|length }}",  # dict()
        A + "{{ {}.fromkeys(range(9), a)|length }}",
        A + "{{ ([a] * 7)|batch(4, a)|list|length }}",  # batch's fill
        A + "{{ ([a] * 7)|slice(2, a)|list|length }}",  # slice's fill
        "{% set a = [0] * 100000 %}{{ ([a] * 40)|map('list')|list|length }}",  # map's copies
        "{{ ([range(100000)|list] * 41)|length }}",  # a nested range
        A + "{% set b = [a] * 7 %}{% set _ = a.extend(range(100000)) %}{{ b|list|length }}",
        A + "{{ ([[a]] * 9)|sum(start=[])|length }}",
    ],
)
def test_a_deep_list_is_refused_when_made(template: str) -> None:
    refused(template, MADE)


def test_a_list_inside_itself_is_refused() -> None:
    """Walking it would never end (Python's own comparison ends in a RecursionError)."""
    refused("{% set l = [] %}{% set _ = l.append(l) %}{{ [l]|length }}", MADE)


# -- what goes through a deep value, each checked first ------------------------------------------

# Lists made small, then grown in place: a list never made deep, a thousand references to
# each of two equal, distinct lists of 6,000 items (6 million values each way).
GROWN = (
    "{% set l = [0] * 1000 %}{% set m = [0] * 1000 %}{% set a = [l] * 1000 %}"
    "{% set b = [m] * 1000 %}{% set d = {'x': a, 'y': b} %}"
    "{% set _ = l.extend(range(5000)) %}{% set _ = m.extend(range(5000)) %}"
)


@pytest.mark.parametrize(
    "expression",
    [
        # Without the checks each runs: millions of comparisons or characters, in C.
        "a == b", "a != b", "a < b", "a >= b", "m in a", "m not in a", "[] < a <= b",
        "a is eq b", "a is ne b", "a is lt b", "m is in a",
        "a|max|length", "a|min|length", "a|sort|length", "a|unique|list|length",
        "a|join(',')|length", "a|sum(start=[])|length", "a|tojson|length",
        "a|pprint|length", "a|string|length", "a|lower|length", "a|e|length",
        "d|dictsort|length", "d|tojson|length",
        "a.count(m)", "a.index(m)", "a.sort()",
    ],
)  # fmt: skip
def test_what_goes_through_a_deep_value_is_refused_first(expression: str) -> None:
    refused(GROWN + "{{ " + expression + " }}", WALKED)


def test_a_loops_changed_compares_within_the_bound() -> None:
    refused(
        GROWN + "{% for x in [1, 2] %}{{ loop.changed(a if loop.first else b) }}{% endfor %}",
        WALKED,
    )


def test_a_long_text_repeated_in_a_list_is_refused_when_compared() -> None:
    """Ten million characters, a thousand times: memory holds one text, but comparing or
    sorting two such lists compares ten billion characters."""
    refused("{{ (['x' * 10000000] * 1000) == (['x' * 10000000] * 1000) }}", WALKED)
    refused("{{ (['x' * 10000000] * 1000)|sort|length }}", WALKED)
    refused("{{ ('x' * 10000000) in (['x' * 10000000] * 1000) }}", WALKED)


def test_a_view_grown_after_it_was_measured_is_measured_again() -> None:
    """The sizes of the context's views are remembered; a method changing what a view holds
    must not leave a stale size that lets a deep value through."""
    refused(
        "{% set it = items[0] %}{% set l = [0] * 1000 %}{% set big = [l] * 1000 %}"
        "{{ [it]|length }}{% set _ = it.entry.update({'x': big}) %}{{ [it]|length }}"
        "{% set _ = l.extend(range(5000)) %}{{ [it]|length }}",
        MADE,
    )
    # The list it holds met first outside it, in the same walk.
    refused(
        "{% set it = items[0] %}{% set l = [0] * 1000 %}{% set big = [l] * 1000 %}"
        "{% set _ = it.entry.update({'x': big}) %}{{ [big, it]|length }}"
        "{% set _ = l.extend(range(5000)) %}{{ [it]|length }}",
        MADE,
    )


# -- what a template does with lists of a fair size still renders ------------------------------


def test_fair_lists_render_as_before() -> None:
    """A million values in nested lists, compared, sorted, joined and searched; sorting and
    grouping the entries by a field; the same list of entries checked for one many times."""
    entries = [paper(f"2401.{i:05d}", f"T{i % 7}", f"2024-01-{i % 28 + 1:02d}") for i in range(300)]
    doc = base_doc(entries)
    template = (
        "{% set a = [[0] * 1000] * 1000 %}{% set b = [[0] * 1000] * 1000 %}"
        "{{ a == b }} {{ a|max|length }} {{ (a|sort)[0]|length }} {{ [0] * 1000 in a }} "
        "{{ a is eq b }} {{ a|join(',')|length }} {{ (a + b)|length }}\n"
        "{{ (items|sort(attribute='entry.title,date')|first).entry.title }} "
        "{{ items|groupby('entry.title')|length }} "
        "{% set seen = [] %}{% for i in items %}{% if i not in seen %}"
        "{% set _ = seen.append(i) %}{% endif %}{% endfor %}{{ seen|length }} "
        "{% for s in all_sections %}{{ items|selectattr('entry.section', 'eq', s.slug)"
        "|map(attribute='entry.title')|unique|sort|join('') }}{% endfor %}\n"
    )
    assert render.render(doc, template, name="mine.j2") == (
        "True 1000 1000 True True 3000999 2000\nT0 7 300 T0T1T2T3T4T5T6\n"
    )
