"""How much of a real list comes back: `import`, then `--offline render` with no cache.

    python benchmarks/bench_adopt.py [FILE.md ...]

For each README (default: every list in tests/data/lists/, the two of the shared
fixtures the tests copy, and the reference list), in a fresh folder: `alignfetch import
README.md`, then `alignfetch --offline render -o out.md` with no cache at all. Prints the
share of the original's non-blank lines that come back identical (compared as a multiset
of lines, issue 20's measure), the import's wall time, and how each step ended. Asserts
nothing: a figure, never a test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parents[1]
LISTS = sorted((ROOT / "tests" / "data" / "lists").glob("*.md")) + [
    ROOT / "tests" / "data" / "reference" / "awesome-llm-alignment.README.md"
]


def share(original: str, rendered: str) -> float:
    """The share of ``original``'s non-blank lines that ``rendered`` has too (multiset)."""
    want = Counter(line for line in original.splitlines() if line.strip())
    got = Counter(line for line in rendered.splitlines() if line.strip())
    total = sum(want.values())
    return sum((want & got).values()) / total if total else 1.0


def alignfetch(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alignfetch", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or [p for p in LISTS if p.name != "README.md"]
    print(f"{'list':58} {'lines':>6} {'back':>6} {'import':>8}  outcome")
    for path in files:
        text = path.read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "README.md").write_text(text, encoding="utf-8")
            start = time.perf_counter()
            imported = alignfetch(folder, "-q", "import", "README.md")
            seconds = time.perf_counter() - start
            rendered = alignfetch(folder, "--offline", "render", "-o", "out.md")
            out = folder / "out.md"
            back = share(text, out.read_text(encoding="utf-8")) if out.exists() else 0.0
            outcome = (
                "ok"
                if imported.returncode == rendered.returncode == 0
                else f"import {imported.returncode}, render {rendered.returncode}: "
                + (imported.stderr or rendered.stderr).strip().splitlines()[-1][:80]
            )
        lines = sum(1 for line in text.splitlines() if line.strip())
        print(f"{path.name[:58]:58} {lines:6} {back:6.0%} {seconds:7.1f}s  {outcome}")


if __name__ == "__main__":
    main()
