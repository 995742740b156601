"""An entry of a list as its README says it, and what reading a README finds.

The data :func:`alignfetch.readme.reading.read_list` returns and its readers share: an
entry's line, link and typed fields (:class:`Found`), a skipped link with its reason
(:class:`Skip`), and the whole reading (:class:`ListReading`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from alignfetch.list import ids
from alignfetch.list.entries import Section
from alignfetch.readme import markdown as md

NOT_SECTIONS = re.compile(
    r"^(table of contents|contents|toc|contributing|contribution|contributions|contributors|"
    r"how to contribute|licen[cs]e|star history|stargazers|star-history|citation|cite|"
    r"acknowledge?ments?|other language support|translations?)$",
    re.IGNORECASE,
)
"""Headings whose links are the page's furniture, not the list's content."""
ATTACHED = re.compile(
    r"^(abstract|data card|bibtex|citation|cite|details|more|summary|show more)$", re.IGNORECASE
)
"""``<details>`` summaries that belong to the entry above them, not a group of entries."""
GENERIC = re.compile(
    r"^(paper|papers|pdf|arxiv|abs|link|links|here|this|code|codes|github|repo|repository|"
    r"project|project page|homepage|website|site|official|unofficial|blog|demo|data|dataset|"
    r"datasets|download|huggingface|hugging face|hf|model|models|space|collection|"
    r"paper/project link|dataset link|datalinks|\d+)$",
    re.IGNORECASE,
)
"""Link texts that name the kind of a link, not what it is."""

SPACE = re.compile(r"\s+")
TOC = "a link to a heading of the page (table of contents)"
"""What a ``#anchor`` or ``./#anchor`` link is: :attr:`ListReading.toc` holds them."""


@dataclass
class Found:
    """One entry of a list as its file says it."""

    line: int
    ref: ids.Ref
    url: str
    """The primary link as written."""
    text: str
    """The primary link's text."""
    section: str
    title: str | None = None
    """What the maintainer typed as its title (a tagline for a repository)."""
    authors: list[str] = field(default_factory=list)
    authors_text: str | None = None
    """The authors as typed (``Jane Doe, John Roe, and Ann Poe``, ``Doe et al.``)."""
    date: str | None = None
    """A typed date as written (``28 Oct 2022``)."""
    iso_date: str | None = None
    """The typed date as ``YYYY-MM-DD``, when it names a day."""
    venue: str | None = None
    """The venue as typed (``arXiv``, ``NeurIPS 2022``, ``ICLR'24``)."""
    affiliation: str | None = None
    description: str | None = None
    """The entry's summary or description (plain text)."""
    links: list[tuple[str, str, int]] = field(default_factory=list)
    """Other links: (name, URL, line)."""
    badges: list[str] = field(default_factory=list)
    """Image targets (and badge links' targets) in the entry."""
    conflict: str | None = None
    replaced: md.Link | None = None
    """The link a conflict overruled."""
    via: str | None = None
    """For a paper that the list names only as another entry's link: that entry's ID."""
    name: str | None = None
    """The entry's own name as the list writes it (a bold label, or a link text that is
    not its title): ``RoboTracer`` in ``**RoboTracer**: "RoboTracer: Mastering …"``."""
    end: int = 0
    """The entry's last line in the file (its block's; 0 when not known)."""

    @property
    def kind(self) -> str:
        """``paper``, ``dataset``, ``repo``, ``link``, ... (:data:`alignfetch.sources.KINDS`)."""
        from alignfetch.sources import KINDS

        return KINDS.get(self.ref.prefix, self.ref.prefix)


@dataclass(frozen=True)
class Skip:
    line: int
    url: str
    text: str
    reason: str


@dataclass
class ListReading:
    """Everything :func:`read_list` found: sections in order, entries, and the rest."""

    title: str | None
    sections: list[Section]
    found: list[Found]
    skipped: list[Skip]
    section_lines: dict[str, int] = field(default_factory=dict)
    """Each section's heading line, by slug."""
    toc: list[Skip] = field(default_factory=list)
    """Links to the page's own headings (``#anchor``, ``./#anchor``): its table of contents."""
