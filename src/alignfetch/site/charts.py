"""The site's two charts, laid out at build time: entries per year by section, and the
venues that recur.

Each chart is plain numbers and texts (:class:`Chart`): the template draws them as inline
SVG with ``role="img"`` and an ``aria-label`` that says what the picture shows, so the page
needs no charting library and no script to show them. Colours are classes (``c0`` to
``c7``) that the stylesheet sets for light and dark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from alignfetch.site.model import Entry, Section

COLOURS = 8
VENUES_SHOWN = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: int
    title: str
    """The bar's own text (its SVG ``<title>``: a tooltip, and what a screen reader reads)."""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label: str
    """The chart in words, for ``aria-label``."""
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    legend: tuple[tuple[int, str], ...] = ()
    note: str = ""


def per_year(entries: Sequence[Entry], sections: Sequence[Section]) -> Chart | None:
    """Stacked columns: how many dated entries each year has, split by top-level section."""
    top_of: dict[str, str] = {}
    for s in sections:
        for sub in _walk(s):
            top_of[sub.slug] = s.slug
    titles = {s.slug: s.title for s in sections}
    order = [s.slug for s in sections]
    counts: Counter[tuple[str, str]] = Counter()
    undated = 0
    for e in entries:
        if not e.year:
            undated += 1
            continue
        counts[(e.year, top_of.get(e.section, e.section))] += 1
    if not counts:
        return None
    years = [
        str(y) for y in range(int(min(y for y, _ in counts)), int(max(y for y, _ in counts)) + 1)
    ]
    totals = {y: sum(n for (yy, _), n in counts.items() if yy == y) for y in years}
    most = max(totals.values())
    width, height, left, bottom, top = 420, 200, 30, 26, 12
    plot = height - bottom - top
    step = (width - left - 8) / len(years)
    bar_width = max(min(step * 0.7, 48), 2)
    bars: list[Bar] = []
    labels: list[Label] = []
    every = max(1, len(years) // 12)  # at most about a dozen year labels
    for i, year in enumerate(years):
        x = left + i * step + (step - bar_width) / 2
        y: float = top + plot
        for slug in order:
            n = counts.get((year, slug), 0)
            if not n:
                continue
            h = plot * n / most
            y -= h
            bars.append(
                Bar(
                    _r(x),
                    _r(y),
                    _r(bar_width),
                    _r(h),
                    order.index(slug) % COLOURS,
                    f"{year}, {titles[slug]}: {n} entr{'y' if n == 1 else 'ies'}",
                )
            )
        if i % every == 0 or i == len(years) - 1:
            labels.append(Label(_r(x + bar_width / 2), height - 8, year))
    labels.append(Label(left - 6, top + 4, str(most), "end"))
    labels.append(Label(left - 6, top + plot, "0", "end"))
    in_words = "; ".join(f"{y}: {totals[y]}" for y in years if totals[y])
    present = [slug for slug in order if any(s == slug for _, s in counts)]
    return Chart(
        width=width,
        height=height,
        label=f"Entries per year, by section. {in_words}.",
        bars=tuple(bars),
        labels=tuple(labels),
        legend=tuple((order.index(s) % COLOURS, titles[s]) for s in present),
        note=f"{undated} entr{'y has' if undated == 1 else 'ies have'} no date and "
        f"{'is' if undated == 1 else 'are'} not counted."
        if undated
        else "",
    )


def venues(entries: Sequence[Entry]) -> Chart | None:
    """Horizontal bars: the venues (years put together) that two or more entries share."""
    counts = Counter(e.venue_group for e in entries if e.venue_group)
    recurring = sorted(
        ((n, v) for v, n in counts.items() if n >= 2), key=lambda p: (-p[0], p[1].casefold())
    )[:VENUES_SHOWN]
    if not recurring:
        return None
    row, left, width = 26, 130, 420
    height = row * len(recurring) + 8
    most = recurring[0][0]
    room = width - left - 40
    bars: list[Bar] = []
    labels: list[Label] = []
    for i, (n, venue) in enumerate(recurring):
        y = 4 + i * row
        w = max(room * n / most, 2)
        bars.append(Bar(left, y + 3, _r(w), row - 8, 0, f"{venue}: {n} entries"))
        shown = venue if len(venue) <= 16 else venue[:15] + "…"
        labels.append(Label(left - 6, y + row / 2 + 4, shown, "end"))
        labels.append(Label(_r(left + w + 6), y + row / 2 + 4, str(n), "start"))
    in_words = "; ".join(f"{v}: {n}" for n, v in recurring)
    return Chart(
        width=width,
        height=height,
        label=f"Venues that recur, by number of entries. {in_words}.",
        bars=tuple(bars),
        labels=tuple(labels),
    )


def _walk(section: Section) -> list[Section]:
    out = [section]
    for child in section.children:
        out.extend(_walk(child))
    return out


def _r(value: float) -> float:
    """A coordinate to one decimal: shorter SVG, and the same text on every machine."""
    return round(value, 1)
