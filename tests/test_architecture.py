"""The package's shape (issue 19, ARCHITECTURE.md): no import circle, no module past 600
lines, a thin Workspace, the import-linter contracts kept, and the paths the architecture
page names real. Each check names the change it catches."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "alignfetch"
MODULE_LINES = 600
WORKSPACE_LINES = 300


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports inside functions count (a deferred import still makes a circle);
    # imports for type checking only do not (they never run).
    return grimp.build_graph("alignfetch", exclude_type_checking_imports=True, cache_dir=None)


def test_no_import_circle(graph: grimp.ImportGraph) -> None:
    # Catches: a feature importing the Workspace back (discover did, for its type), a
    # function-level import of a module that imports this one (net and net_http did).
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    # The check above can fail: a planted circle among three modules is found.
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.d", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_module_is_longer_than_600_lines() -> None:
    # Catches: a feature growing back into one module of several concerns.
    long = {
        str(path.relative_to(SRC)): n
        for path in sorted(SRC.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_the_workspace_stays_thin() -> None:
    # Catches: an operation's logic written into the Workspace instead of its module.
    lines = (SRC / "workspace" / "__init__.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= WORKSPACE_LINES


def test_the_import_contracts_are_kept() -> None:
    # Catches: a lower layer importing a higher one (sources importing the cache's users),
    # or one feature importing another (lint importing render for its anchors did).
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--no-logo", "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_architecture_md_names_real_paths() -> None:
    # Catches: the architecture page pointing a newcomer at a file that moved.
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:src|tests|benchmarks|migrations)/[\w./-]+)`", text))
    assert len(paths) >= 20
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []
