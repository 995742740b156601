"""How entries read for a person: what `add` prints of a new entry, and `show`'s text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alignfetch.list.items import Item


def item_title(item: Item) -> str:
    return item.entry.title or str(getattr(item.record, "title", item.entry.id))


def summary(item: Item) -> str:
    """What `add` prints of a new entry: enough to see that it is the right one."""
    from alignfetch.records import Collection, Dataset, Model, Paper, Repo, Space
    from alignfetch.render.page import human_date

    r = item.record
    lines = [f"{item.entry.id}  [{', '.join(item.entry.sections)}]", f"  {item_title(item)}"]
    if isinstance(r, Paper):
        lines.append("  " + ", ".join(a.name for a in r.authors))
        lines.append(f"  {human_date(item.entry.date or r.published)}")
    elif isinstance(r, Dataset):
        lines.append(f"  licence: {', '.join(r.license) or 'none given'}")
        for pid in r.papers:
            paper = item.related.get(pid)
            if isinstance(paper, Paper):
                lines.append(f"  paper: {paper.title} ({paper.published[:4]})")
    elif isinstance(r, Model):
        access = f", gated ({r.gated})" if r.gated else ""
        lines.append(f"  licence: {', '.join(r.license) or 'none given'}{access}")
        facts = [r.pipeline_tag or ""]
        if r.parameters is not None:
            facts.append(f"{r.parameters:,} parameters")
        if any(facts):
            lines.append("  " + ", ".join(f for f in facts if f))
        for pid in r.papers:
            paper = item.related.get(pid)
            if isinstance(paper, Paper):
                lines.append(f"  paper: {paper.title} ({paper.published[:4]})")
    elif isinstance(r, Space):
        lines.append(f"  {r.sdk or 'unknown SDK'} Space, {r.stage or 'state unknown'}")
    elif isinstance(r, Collection):
        lines.append(f"  {r.items} item{'' if r.items == 1 else 's'}, {r.upvotes} upvotes")
    elif isinstance(r, Repo):
        if r.description:
            lines.append(f"  {r.description}")
        lines.append(
            f"  {r.stars} stars"
            + (f", renamed from {r.redirected_from}" if r.redirected_from else "")
        )
    return "\n".join(lines)


_LABELS = {
    "url": "URL",
    "pdf_url": "PDF",
    "doi": "DOI",
    "hf_paper": "HF paper page",
    "code_url": "Code",
    "journal_ref": "Journal ref",
    "primary_category": "Primary category",
    "sha": "Commit",
    "last_modified": "Last modified",
    "task_categories": "Task categories",
    "size_categories": "Size categories",
    "summary": "Data Card",
    "full_name": "Full name",
    "pushed_at": "Last push",
    "default_branch": "Default branch",
    "redirected_from": "Renamed from",
    "license": "Licence",
    "overrides": "In entries.toml",
}
_PROSE = ("abstract", "summary")
_WIDTH = 88


def show_text(data: dict[str, Any]) -> str:
    """An exported entry for a person: aligned labels, lists as lines, prose wrapped.

    The title comes first and the long texts (abstract, Data Card) last, indented
    under their label; a paper's authors carry their affiliations where known and
    a dataset's papers are named by title.
    """
    import textwrap

    rows: list[tuple[str, list[str]]] = []
    prose: list[tuple[str, str]] = []
    keys = ["title", *(k for k in data if k != "title")]
    for key in keys:
        value = data.get(key)
        # 0 stars is worth showing; False (not archived, not private) is not.
        if (
            key
            in ("id", "section", "sections", "affiliations", "venue_source", "affiliation_source")
            or value is False
            or value in (None, "", [], {})
        ):
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        if key in _PROSE:
            prose.append((label, str(value)))
            continue
        if key == "authors":
            affiliations = list(data.get("affiliations") or [])
            affiliations += [[]] * (len(value) - len(affiliations))
            lines = [
                f"{name} ({', '.join(affs)})" if affs else str(name)
                for name, affs in zip(value, affiliations, strict=False)
            ]
        elif key == "papers":
            lines = [
                f"{p['title']} ({p['id']}, {str(p['published'])[:4]})"
                if p.get("title")
                else f"{p['id']} (not in the cache)"
                for p in value
            ]
        elif key == "hf_paper":
            votes = value.get("upvotes")
            lines = [str(value["url"]) + (f" ({votes} upvotes)" if votes is not None else "")]
        elif isinstance(value, dict):
            lines = [
                f"{k}.{n}: {u}" if isinstance(v, dict) else f"{k}: {v}"
                for k, v in value.items()
                for n, u in (v.items() if isinstance(v, dict) else [(None, None)])
            ]
        elif isinstance(value, list):
            lines = [str(v) for v in value]
        elif value is True:
            lines = ["yes"]
        elif key in ("venue", "affiliation") and data.get(f"{key}_source"):
            lines = [f"{value} ({data[f'{key}_source']})"]  # where it came from
        else:
            lines = [str(value)]
        rows.append((label, lines))
    width = max((len(label) for label, _ in rows), default=0) + 2
    # Every section a cross-listed entry is in; an export without them names one.
    out = [f"{data['id']}  [{', '.join(data.get('sections') or [data['section']])}]"]
    for label, lines in rows:
        pad = " " * width
        for i, line in enumerate(lines):
            out.append(
                textwrap.fill(
                    line,
                    width=max(_WIDTH, width + 40),
                    initial_indent=f"{label:<{width}}" if i == 0 else pad,
                    subsequent_indent=pad,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
    for label, text in prose:
        out.append(label)
        out.extend(_wrapped(text, "  "))
    return "\n".join(out)


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])\s")


def _wrapped(text: str, indent: str) -> list[str]:
    """Markdown-ish prose wrapped and indented: paragraphs and list items kept apart."""
    import textwrap

    out: list[str] = []
    for para in re.split(r"\n[ \t]*\n", text.strip()):
        blocks: list[str] = []
        for line in para.splitlines():
            if _LIST_ITEM.match(line) or not blocks:
                blocks.append(line.strip())
            else:
                blocks[-1] += " " + line.strip()
        if out:
            out.append("")
        for block in blocks:
            hang = "  " if _LIST_ITEM.match(block) else ""
            out.append(
                textwrap.fill(
                    " ".join(block.split()),
                    width=_WIDTH,
                    initial_indent=indent,
                    subsequent_indent=indent + hang,
                    break_on_hyphens=False,
                )
            )
    return out
