"""Issue 20, items 2 and 3 (reading side): every maintainer's word in its field, tables
one entry per row.

:func:`alignfetch.readme.reading.read_list` on short excerpts of real shapes (a bold name
and a quoted title with an italic venue and date; a numbered survey citation; bracketed
dates and venues; a bold title over italic authors; a weekly Markdown table; an HTML
``<table>`` of papers) and on the real lists of tests/data/lists/, whose figures the issue
sets: at least 95% of the entries of a bullet list with quoted titles hold the quoted text
as their title, and no field holds a link label or another field's text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alignfetch.readme.found import Found
from alignfetch.readme.reading import read_list

LISTS = Path(__file__).parent / "data" / "lists"
FIELDS = ("name", "title", "authors_text", "date", "venue", "affiliation", "description")


def one(text: str) -> Found:
    (found,) = read_list("# L\n\n## Papers\n\n" + text).found
    return found


def fields(f: Found) -> dict[str, str]:
    return {k: v for k in FIELDS if (v := getattr(f, k, None)) is not None}


# -- citations on one line ------------------------------------------------------------------


# Bug: 130 of 177 entries of this shape got an affiliation holding name + title + venue
# (`RoboTracer: "RoboTracer: Mastering …", arXiv`) and a venue like `Dec 2025`.
def test_a_bold_name_a_quoted_title_and_an_italic_venue_and_date_each_in_its_field() -> None:
    f = one(
        '- **RoboTracer**: "RoboTracer: Mastering Spatial Trace with Reasoning", '
        "*arXiv, Dec 2025*. [[Paper](https://arxiv.org/abs/2512.13660)] "
        "[[Code](https://github.com/Zhoues/RoboTracer)] [[Website](https://zhoues.github.io/x/)]\n"
    )
    assert fields(f) == {
        "name": "RoboTracer",
        "title": "RoboTracer: Mastering Spatial Trace with Reasoning",
        "venue": "arXiv",
        "date": "Dec 2025",
    }
    assert f.iso_date is None  # a month names no day
    assert [name for name, _, _ in f.links] == ["Code", "Website"]


# Bug: a venue written with its year in the italics (`*ICML 2021*`) or a bold label with no
# quoted title (`**One-Shot …**: *arXiv, Mar 2025*`) went whole into `affiliation`.
def test_an_italic_venue_with_its_year_and_a_bold_title_without_quotes() -> None:
    f = one(
        '- **CLIP**: "Learning Transferable Visual Models From Natural Language Supervision", '
        "*ICML 2021*. [[Paper](https://arxiv.org/abs/2103.00020)]\n"
        "  - Foundational model aligning vision and language that underlies most VLAs.\n"
    )
    assert fields(f) == {
        "name": "CLIP",
        "title": "Learning Transferable Visual Models From Natural Language Supervision",
        "venue": "ICML 2021",
        "description": "Foundational model aligning vision and language that underlies most VLAs.",
    }
    assert f.authors == []  # "vision and language" is no list of names
    g = one(
        "- **One-Shot Dual-Arm Imitation Learning**: *arXiv, Mar 2025*. "
        "[[Paper](https://arxiv.org/abs/2503.06831)]\n"
    )
    assert fields(g) == {
        "title": "One-Shot Dual-Arm Imitation Learning",
        "venue": "arXiv",
        "date": "Mar 2025",
    }


# Bug: 288 of 307 entries of a survey of ordered lists got the whole line as `venue`.
def test_a_numbered_survey_citation_name_title_authors_venue() -> None:
    f = one(
        '1. LLaMA. "LLaMA: Open and Efficient Foundation Language Models". Hugo Touvron, '
        "Thibaut Lavril, and Gautier Izacard. arXiv 2023. "
        "[[Paper](https://arxiv.org/abs/2302.13971)]\n"
    )
    assert fields(f) == {
        "name": "LLaMA",
        "title": "LLaMA: Open and Efficient Foundation Language Models",
        "authors_text": "Hugo Touvron, Thibaut Lavril, and Gautier Izacard",
        "venue": "arXiv 2023",
    }
    assert f.authors == ["Hugo Touvron", "Thibaut Lavril", "Gautier Izacard"]


# Bug: `Venue, Year (*Org*)` after a quoted title went whole into one field.
def test_a_venue_a_year_and_an_italic_organisation_in_parentheses() -> None:
    f = one(
        '* **LR-Net**: "Local Relation Networks for Image Recognition", ICCV, 2019 '
        "(*Microsoft*). [[Paper](https://arxiv.org/abs/1904.11491)]"
        "[[PyTorch (gan3sh500)](https://github.com/gan3sh500/local-relational-nets)]\n"
    )
    assert fields(f) == {
        "name": "LR-Net",
        "title": "Local Relation Networks for Image Recognition",
        "venue": "ICCV",
        "date": "2019",
        "affiliation": "Microsoft",
    }


# Bug: a title that quotes a word (`"When "Correct" Is Not Safe: …"`) ended at the inner
# quote, and `[2025-10] [ICLR'24]` were no date and venue.
def test_bracketed_date_and_venue_and_a_quote_inside_the_quoted_title() -> None:
    f = one(
        '- "When "Correct" Is Not Safe: Can We Trust Functionally Correct Patches?" '
        "[2025-10] [ICLR'24] [[paper](https://arxiv.org/abs/2510.17862)]\n"
    )
    assert fields(f) == {
        "title": 'When "Correct" Is Not Safe: Can We Trust Functionally Correct Patches?',
        "date": "2025-10",
        "venue": "ICLR'24",
    }


# Bug: `[YYYY/MM] **Title.** *Authors et al. arXiv.*` kept only a venue holding the authors;
# a bold title wrapped over two lines of the file was cut at the line's end.
def test_a_bold_title_over_italic_authors_and_venue_and_a_wrapped_title() -> None:
    f = one(
        "- [2023/06] **SYNAPSE: Leveraging Few-Shot Exemplars for\n"
        "Human-Level Computer Control.** *Longtao Zheng et al. arXiv.* "
        "[[paper](https://arxiv.org/abs/2306.07863)] [[code](https://github.com/ltzheng/Synapse)]\n"
    )
    assert fields(f) == {
        "title": "SYNAPSE: Leveraging Few-Shot Exemplars for Human-Level Computer Control",
        "date": "2023/06",
        "authors_text": "Longtao Zheng et al.",
        "venue": "arXiv",
    }
    assert f.authors == ["Longtao Zheng"]


# Bug: a numbered item whose bold title sits on its first paragraph and whose authors and
# links sit under a blank line became an entry without its title (the title paragraph
# has only badges).
def test_a_title_paragraph_and_an_authors_paragraph_are_one_entry() -> None:
    f = one(
        "1. **OpenPrompt: An Open-source Framework for Prompt-learning.** Preprint. "
        "![](https://img.shields.io/badge/Toolkit-blue)\n"
        "   \n"
        "   *Ning Ding, Shengding Hu, Weilin Zhao*  [[pdf](https://arxiv.org/pdf/2111.01998.pdf)]"
        " [[project](https://github.com/thunlp/OpenPrompt)], 2021.11\n"
    )
    assert fields(f) == {
        "title": "OpenPrompt: An Open-source Framework for Prompt-learning",
        "venue": "Preprint",
        "authors_text": "Ning Ding, Shengding Hu, Weilin Zhao",
        "date": "2021.11",
    }


# Bug: the note after the links (`**(Three Giants' Survey)**`) or the number in bold
# (`**[1]**`) became the entry's name; the authors before the quoted title were lost.
def test_authors_before_a_quoted_bold_title_and_a_year_in_parentheses() -> None:
    (f,) = read_list(
        "# L\n\n## Survey\n\n**[1]** LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "
        '"**Deep learning**." Nature 521.7553 (2015): 436-444. '
        "[[pdf]](http://www.cs.toronto.edu/~hinton/absps/NatureDeepReview.pdf) "
        "**(Three Giants' Survey)** :star::star:\n"
    ).found
    assert fields(f) == {
        "title": "Deep learning",
        "authors_text": "LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton",
        "venue": "Nature 521.7553",
        "date": "2015",
    }


# Bug: a repository's own name as its link's text was read as its title, so name and
# title could not be told apart; a label before the link (`Paper: [AgentGym](…)`) became
# the description.
def test_a_repository_named_by_its_link_and_a_labelled_link() -> None:
    f = one("- [vllm](https://github.com/vllm-project/vllm) - A high-throughput serving engine.\n")
    assert fields(f) == {"name": "vllm", "description": "A high-throughput serving engine."}
    g = one("- Paper: [AgentGym](https://arxiv.org/abs/2406.04151).\n")
    assert g.description is None and g.title == "AgentGym"


# -- tables ---------------------------------------------------------------------------------

WEEKLY = """\
# ML Papers of the Week

## Top ML Papers of the Week (Feb 6 - 12)

| **Paper**  | **Links** |
| ------------- | ------------- |
| 1) **Toolformer** - introduces a language model that teaches itself to use external tools via simple API calls. | [Paper](https://arxiv.org/abs/2302.04761), [Tweet](https://twitter.com/dair_ai/status/1624832248691191808?s=20) |
| 2) **Dreamix** - a diffusion model that performs text-based motion and appearance editing of general videos. | [Paper](https://arxiv.org/abs/2302.01329), [Project](https://dreamix-video-editing.github.io/), [Tweet](https://twitter.com/dair_ai/status/1624832254156390400?s=20) |
"""


# Bug: 1,162 entries of a weekly table got `description = "Tweet"` (a link label) and lost
# the name and summary of their first column.
def test_a_weekly_table_keeps_each_rows_name_and_summary() -> None:
    found = read_list(WEEKLY).found
    assert [(f.line, f.end) for f in found] == [(7, 7), (8, 8)]
    assert [fields(f) for f in found] == [
        {
            "name": "Toolformer",
            "description": "introduces a language model that teaches itself to use external "
            "tools via simple API calls.",
        },
        {
            "name": "Dreamix",
            "description": "a diffusion model that performs text-based motion and appearance "
            "editing of general videos.",
        },
    ]
    assert [name for name, _, _ in found[1].links] == ["Project", "Tweet"]


HTML_TABLE = """\
# LLM

## Milestone Papers

<table>
  <tr>
    <th>Date</th>
    <th>keywords</th>
    <th>Institute</th>
    <th>Paper</th>
  </tr>
  <tr>
    <td>2017-06</td>
    <td>Transformers</td>
    <td>Google</td>
    <td><a href="https://arxiv.org/abs/1706.03762">Attention Is All You Need</a></td>
  </tr>
  <tr>
    <td>2018-06</td>
    <td>GPT 1.0</td>
    <td>OpenAI</td>
    <td><a href="https://cdn.openai.com/research-covers/language-unsupervised/language_understanding_paper.pdf">Improving Language Understanding by Generative Pre-Training</a></td>
  </tr>
  <tr>
    <td>2018-10</td>
    <td>BERT</td>
    <td>Google</td>
    <td><a href="https://aclanthology.org/N19-1423.pdf">BERT: Pre-training of Deep Bidirectional Transformers</a></td>
  </tr>
</table>
"""


# Bug: an HTML <table> of 56 papers became one entry with 55 links `Paper 2` … `Paper 56`
# and a 1,461-character description.
def test_an_html_table_gives_one_entry_per_row_with_its_columns() -> None:
    found = read_list(HTML_TABLE).found
    assert [(f.line, f.end) for f in found] == [(12, 17), (18, 23), (24, 29)]
    assert [fields(f) for f in found] == [
        {"date": "2017-06", "affiliation": "Google", "title": "Attention Is All You Need"},
        {
            "date": "2018-06",
            "affiliation": "OpenAI",
            "title": "Improving Language Understanding by Generative Pre-Training",
        },
        {
            "date": "2018-10",
            "affiliation": "Google",
            "title": "BERT: Pre-training of Deep Bidirectional Transformers",
        },
    ]
    assert all(f.links == [] for f in found)


# Bug: a table whose title cell reads `[Name] Title(@Org)` and whose Paper column holds only
# `[[pdf]](…)` took the pdf label as the title (or nothing) and lost name and institution.
def test_a_table_title_cell_with_a_bracketed_name_and_an_institution() -> None:
    found = read_list(
        "# L\n\n## Serving\n\n|Date|Title|Paper|Code|\n|:---:|:---:|:---:|:---:|\n"
        "|2024.06|🔥[**Mooncake**] Mooncake: A KVCache-centric Disaggregated Architecture for "
        "LLM Serving(@Moonshot AI) |[[pdf]](https://arxiv.org/abs/2407.00079) | "
        "[[Mooncake]](https://github.com/kvcache-ai/Mooncake)|\n"
    ).found
    assert [fields(f) for f in found] == [
        {
            "name": "Mooncake",
            "title": "Mooncake: A KVCache-centric Disaggregated Architecture for LLM Serving",
            "date": "2024.06",
            "affiliation": "Moonshot AI",
        }
    ]


# -- the real lists -------------------------------------------------------------------------

_URLS = re.compile(r"\[[^\]]*\]\([^)]*\)|<[^>]*>|https?://\S+")


def figures(path: Path) -> tuple[int, int, list[tuple[int, str, str]]]:
    """For a real list: its bullet entries with a quoted title, how many of them hold the
    quoted text as their title, and the fields that hold a link label or another field's
    text (line, field, why)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    quoted = held = 0
    bad: list[tuple[int, str, str]] = []
    for f in read_list(text).found:
        first = lines[f.line - 1]
        flat = _URLS.sub(" ", re.sub(r"[*_\\]|<[^>]*>", "", first))
        m = re.search(r'"([^"]{8,})"|“([^”]{8,})”', flat)
        if m and first.lstrip()[:1] in "-*0123456789":
            quoted += 1
            held += bool(f.title) and (f'"{f.title}' in flat or f"“{f.title}" in flat)
        raw = "\n".join(lines[f.line - 1 : max(f.end, f.line)])
        labels = {name for name, _, _ in f.links if len(name.split()) <= 2}
        values = fields(f)
        words = re.sub(r"[*_\[\]]", "", _URLS.sub(" ", first)).strip(" -*0123456789.|")
        for k, v in values.items():
            # a field holding the quoted title, or a whole line of parts, other than the title
            quote = m.group(1) or m.group(2) if m else None
            inside = (
                quote and quote in v and (k != "description" or v.lstrip('"“').startswith(quote))
            )
            if inside and k != "title" and raw.count(quote) < 2:
                bad.append((f.line, k, "holds the quoted title"))
            parts = "](" in first and not first.lstrip().startswith("|") and v[:20] in first
            if parts and k not in ("title", "description") and len(v) > 0.7 * len(words) >= 28:
                bad.append((f.line, k, "holds the whole line"))
            if k not in ("name", "title") and v in labels and raw.count(v) < 2:
                bad.append((f.line, k, f"a link label {v!r}"))
            for k2, v2 in values.items():
                inside = k2 != k and len(v2) >= 3 and v2 in v
                if inside and not (k == "description" and k2 == "name") and raw.count(v2) < 2:
                    bad.append((f.line, k, f"holds {k2} {v2!r}"))
    return quoted, held, bad


QUOTED = [
    "keon__awesome-physical-ai.README.md",
    "cmhungsteve__Awesome-Transformer-Attention.README.md",
    "codefuse-ai__Awesome-Code-LLM.README.md",
    "floodsung__Deep-Learning-Papers-Reading-Roadmap.README.md",
]


# Bug: the typed title was recognised in 4 of 177 and 15 of 307 entries of real lists of
# quoted titles, so `check`'s title rule had nothing to compare; fields held other fields.
@pytest.mark.parametrize("name", QUOTED, ids=lambda n: n.split("__")[0])
def test_real_lists_of_quoted_titles_hold_the_quoted_text_as_title(name: str) -> None:
    quoted, held, bad = figures(LISTS / name)
    assert quoted >= 100
    assert held >= 0.95 * quoted, (held, quoted)
    assert bad == []


# Bug: on real lists fields held link labels (`Videos` after a workshop), another field's
# text, the quoted title (in `affiliation`) or a whole line of parts (in `venue`).
def test_no_field_of_a_real_list_holds_a_label_or_another_fields_text() -> None:
    bad = {p.name: figures(p)[2][:3] for p in sorted(LISTS.glob("*.README.md"))}
    assert {name: b for name, b in bad.items() if b} == {}


# Bug: a real HTML table (86 <tr>) became a handful of entries, each with dozens of links.
def test_a_real_html_table_gives_one_entry_per_row() -> None:
    path = LISTS / "DmitryRyumin__WACV-2024-Papers.README.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    rows = [f for f in read_list("\n".join(lines)).found if "<tr" in lines[f.line - 1]]
    assert len(rows) >= 60
    for f in rows:
        span = "\n".join(lines[f.line - 1 : f.end])
        assert span.count("<tr") == 1 and span.rstrip().endswith("</tr>"), f.line


# Bug: a real list's table writes `</tr>` where a row opens (and leaves a `</tr>` out):
# those cells fell outside any row into one entry spanning the whole table.
def test_an_html_row_whose_tags_are_left_out_is_still_one_row() -> None:
    found = read_list(
        "# Apps\n\n## Chat\n\n<table>\n    <tr>\n"
        '        <td><a href="https://github.com/aws-samples/swift-chat">SwiftChat</a></td>\n'
        "        <td>A fast chat app.</td>\n    </tr>\n    </tr>\n"
        '        <td><a href="https://chat.4everland.org/">4EVERChat</a></td>\n'
        "        <td>A model selection platform.</td>\n    </tr>\n    <tr>\n"
        '        <td><a href="https://alphabot.x-pai.com/">AlphaBot</a></td>\n'
        "        <td>A stock analysis assistant.</td>\n"
        "\u200b     <tr>\n"
        '        <td><a href="https://github.com/jiqi136/DS-AI">DS-AI</a></td>\n'
        "        <td>A web-access assistant.</td>\n    </tr>\n</table>\n"
    ).found
    assert [(f.line, f.end, f.url.rstrip("/").split("/")[-1]) for f in found] == [
        (6, 9, "swift-chat"),
        (11, 13, "chat.4everland.org"),
        (14, 16, "alphabot.x-pai.com"),
        (17, 20, "DS-AI"),
    ]
