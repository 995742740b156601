"""Citations: `export --format bibtex|csl-json` and `cite`, and the pure conversion under them.

The reference list goes through the fakes (as in test_roundtrip); its BibTeX is parsed
back with bibtexparser and compared field by field with the JSON export, and its
CSL-JSON is validated against the official CSL 1.0 schema (tests/data/csl/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from pylatexenc.latex2text import LatexNodes2Text
from test_roundtrip import project  # noqa: F401  (the reference list, fetched from the fakes)

from alignfetch.citations import (
    bibtex_entry,
    cite_keys,
    csl_name,
    is_conference,
    split_name,
    to_bibtex,
    to_csl,
    write,
)
from alignfetch.errors import InputError
from alignfetch.list.entries import Entry
from alignfetch.records import Author, Dataset, Paper, Repo
from alignfetch.workspace import Item
from conftest import DATA, Fakes, run, state

reference = pytest.mark.usefixtures("project")
"""The reference list's 12 entries fetched from the fakes into the current folder."""

SCHEMA = json.loads((DATA / "csl" / "csl-data.json").read_text(encoding="utf-8"))
PAPERS = ["2206.08325", "2204.05862", "2305.01937", "2306.05685", "2305.16960", "2305.14929"]

CHIANG = """\
@misc{chiang2023can,
  title = {Can Large Language Models Be an Alternative to Human Evaluations?},
  author = {Chiang, Cheng-Han and Lee, Hung-yi},
  year = {2023},
  eprint = {2305.01937},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
  doi = {10.48550/arXiv.2305.01937},
  url = {https://arxiv.org/abs/2305.01937}
}
"""


def parse(text: str, *, decode: bool = True) -> bibtexparser.Library:
    """BibTeX read back as a reader would: authors split into parts, LaTeX decoded."""
    stack = [SeparateCoAuthors(), SplitNameParts()]
    if decode:
        stack.append(LatexDecodingMiddleware())
    library = bibtexparser.parse_string(text, append_middleware=stack)
    assert library.failed_blocks == []
    return library


def full_name(parts: Any) -> str:
    """A name split by bibtexparser, its LaTeX decoded (the decoding middleware skips names)."""
    words = [w for p in (parts.first, parts.von, parts.last, parts.jr) for w in p]
    return " ".join(LatexNodes2Text().latex_to_text(w) for w in words)


# -- the reference list, end to end ------------------------------------------------


@reference
def test_reference_bibtex_parses_back_and_matches_the_json_export() -> None:
    result = run("export", "--format", "bibtex")
    assert result.exit_code == 0, result.output
    exported = {e["id"]: e for e in json.loads(run("export").stdout)["entries"]}
    decoded, raw = parse(result.stdout), parse(result.stdout, decode=False)
    assert len(decoded.entries) == 12
    assert [(e.entry_type, e.key) for e in decoded.entries] == [
        ("inproceedings", "rauh2022characteristics"),
        ("inproceedings", "bai2022training"),
        ("misc", "chiang2023can"),
        ("misc", "zheng2023judging"),
        ("misc", "liu2023training"),
        ("misc", "hwang2023aligning"),
        ("misc", "anthropic2022hh"),
        ("misc", "liyucheng2023zhihu"),
        ("software", "pkualignmentsafe"),
        ("software", "carperaitrlx"),
        ("software", "microsoftdeepspeed"),
        ("software", "lucidrainspalm"),
    ]
    for entry, plain, want in zip(decoded.entries, raw.entries, exported.values(), strict=True):
        got = {k: f.value for k, f in entry.fields_dict.items()}
        rawf = {k: f.value for k, f in plain.fields_dict.items()}
        assert got["title"] == want["title"]
        assert rawf["url"] == want["url"]
        if want["kind"] == "paper":
            key = want["id"].removeprefix("arxiv:")
            assert [full_name(p) for p in got["author"]] == want["authors"]
            assert got["year"] == want["published"][:4]
            assert (rawf["eprint"], rawf["archivePrefix"]) == (key, "arXiv")
            assert rawf["primaryClass"] == want["primary_category"]
            assert rawf["doi"] == (want["doi"] or f"10.48550/arXiv.{key}")
            venue = got.get("booktitle", got.get("journal"))
            assert venue == want["venue"]
        else:
            owner = want["author"] if want["kind"] == "dataset" else want["full_name"]
            owner = owner.split("/")[0]
            assert [full_name(p) for p in got["author"]] == [owner]
            assert got["howpublished"] == want["url"]
            when = want["created"] if want["kind"] == "dataset" else want["pushed_at"]
            assert got["year"] == when[:4]
    papers = [e for e in raw.entries if "eprint" in e.fields_dict]
    assert [e.fields_dict["eprint"].value for e in papers] == PAPERS
    bai = decoded.entries[1].fields_dict["author"].value
    assert len(bai) == 31 and full_name(bai[5]) == "Nova DasSarma" and bai[5].last == ["DasSarma"]


@reference
def test_reference_csl_json_is_valid_and_splits_names() -> None:
    result = run("export", "--format", "csl-json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(items)
    assert len(items) == 12
    assert [i["type"] for i in items] == ["paper-conference"] * 2 + ["article"] * 4 + [
        "dataset"
    ] * 2 + ["software"] * 4
    chiang = items[2]
    assert chiang["author"] == [
        {"family": "Chiang", "given": "Cheng-Han"},
        {"family": "Lee", "given": "Hung-yi"},
    ]
    assert chiang["issued"] == {"date-parts": [[2023, 5, 3]]}
    assert chiang["id"] == "chiang2023can"
    assert (chiang["number"], chiang["publisher"]) == ("arXiv:2305.01937", "arXiv")
    assert chiang["DOI"] == "10.48550/arXiv.2305.01937"
    assert chiang["URL"] == "https://arxiv.org/abs/2305.01937"
    assert items[0]["container-title"] == "NeurIPS 2022"
    assert items[0]["archive_location"] == "arXiv:2206.08325"
    assert "publisher" not in items[0]  # a NeurIPS paper is not published by arXiv
    assert items[3]["author"][9] == {"family": "Xing", "given": "Eric P."}
    assert items[3]["issued"] == {"date-parts": [[2023, 6, 9]]}  # v1, not v4 (2023-12-24)
    assert items[6] == {
        "id": "anthropic2022hh",
        "citation-key": "anthropic2022hh",
        "type": "dataset",
        "title": "Anthropic/hh-rlhf",
        "author": [{"literal": "Anthropic"}],
        "issued": {"date-parts": [[2022, 12, 8]]},
        "publisher": "Hugging Face",
        "URL": "https://huggingface.co/datasets/Anthropic/hh-rlhf",
    }
    assert items[8]["title"] == "Safe-RLHF: Constrained Value-Aligned LLM via Safe RLHF"
    assert items[8]["issued"] == {"date-parts": [[2024, 6, 13]]}
    # One key per entry, the same in both formats.
    bib = parse(run("export", "--format", "bibtex").stdout, decode=False)
    assert [i["id"] for i in items] == [e.key for e in bib.entries]


@reference
def test_cite_prints_one_entry_for_any_id_form() -> None:
    for form in ("2305.01937v2", "arXiv:2305.01937", "https://arxiv.org/abs/2305.01937v1"):
        result = run("cite", form)
        assert result.exit_code == 0, result.output
        assert result.stdout == CHIANG and result.stderr == ""
    both = run("cite", "gh:CarperAI/trlx", "2305.01937", "2305.01937v2")
    assert [e.key for e in parse(both.stdout).entries] == ["carperaitrlx", "chiang2023can"]
    csl = run("cite", "--format", "csl-json", "hf:Anthropic/hh-rlhf")
    assert csl.exit_code == 0
    assert [i["id"] for i in json.loads(csl.stdout)] == ["anthropic2022hh"]


@reference
def test_cite_in_a_real_process_prints_only_the_entry() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alignfetch", "cite", "2305.01937v2"],
        capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, CHIANG, "")


@reference
def test_exports_are_deterministic_and_written_atomically() -> None:
    for fmt in ("bibtex", "csl-json"):
        first = run("export", "--format", fmt).stdout
        assert run("export", "--format", fmt).stdout == first
        assert run("export", "--format", fmt, "-o", f"list.{fmt}").exit_code == 0
        assert Path(f"list.{fmt}").read_text(encoding="utf-8") == first
    assert first.endswith("}\n]\n")  # csl-json: the one JSON form, newline-terminated
    bib = Path("list.bibtex").read_text(encoding="utf-8")
    assert bib.count("\n@") == 11 and "\n\n\n" not in bib  # one blank line between entries


@reference
def test_keys_in_cite_are_the_keys_of_the_whole_list(fakes: Fakes) -> None:
    # 2305.16960 made to collide with 2305.01937: same first author, year and first word.
    entry = fakes.arxiv.entry("2305.16960").decode()
    entry = entry.replace("<name>Ruibo Liu</name>", "<name>Cheng-Han Chiang</name>")
    entry = entry.replace("<title>Training Socially", "<title>Can Socially")
    fakes.arxiv.put(entry)
    assert run("refresh", "--all").exit_code == 0
    keys = [e.key for e in parse(run("export", "--format", "bibtex").stdout).entries]
    assert keys[2] == "chiang2023cana" and keys[4] == "chiang2023canb"
    assert keys[3] == "zheng2023judging"
    cited = parse(run("cite", "2305.16960").stdout)
    assert [e.key for e in cited.entries] == ["chiang2023canb"]
    cited = json.loads(run("cite", "--format", "csl-json", "2305.01937").stdout)
    assert cited[0]["id"] == "chiang2023cana"


# -- failures ----------------------------------------------------------------------


def test_cache_miss_is_one_sentence_and_fetches_nothing(fakes: Fakes, listdir: Path) -> None:
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n')
    before = state(listdir)
    message = (
        "alignfetch: The entry arxiv:2305.01937 is not in the cache yet; "
        "run `alignfetch refresh` to fetch it.\n"
    )
    # Citing an entry by name needs its record; exporting the whole list --strict too.
    strict = (
        "alignfetch: 1 entry has no cached record yet: arxiv:2305.01937; run `alignfetch "
        "refresh` (without --strict, it is left out of the citations).\n"
    )
    for args, said in ((["cite", "2305.01937"], message),
                       (["export", "--format", "bibtex", "--strict"], strict),
                       (["export", "--format", "csl-json", "--strict", "-o", "out.json"], strict)):  # fmt: skip
        result = run(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", said)
    assert state(listdir) == before
    assert fakes.arxiv_requests() == 0 and fakes.hub_requests() == 0


@reference
def test_cite_needs_only_its_own_entries_in_the_cache() -> None:
    with Path("entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "arxiv:2212.08073"\nsection = "safety"\n')
    assert run("cite", "2305.01937").stdout == CHIANG
    # The whole list's citations leave the entry not cached out, and say so.
    missing = run("export", "--format", "bibtex")
    assert missing.exit_code == 0 and "2212.08073" not in missing.stdout
    assert "1 entry has no cached record yet and is left out of the citations: " \
        "arxiv:2212.08073;" in missing.stderr  # fmt: skip


@reference
def test_unknown_and_malformed_ids_are_bad_input() -> None:
    before = state(Path.cwd())
    unknown = run("cite", "2305.01937", "2212.08073")
    assert (unknown.exit_code, unknown.stdout) == (2, "")
    assert unknown.stderr == "alignfetch: arxiv:2212.08073 is not in entries.toml; add it first.\n"
    bad = run("cite", "not-an-id")
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.startswith("alignfetch: The text 'not-an-id' is not an ID alignfetch knows;")
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
    wrong = run("cite", "--format", "ris", "2305.01937")
    assert wrong.exit_code == 2 and "'ris' is not one of 'bibtex', 'csl-json'" in wrong.stderr
    assert state(Path.cwd()) == before


# -- the conversion, on records written here ----------------------------------------


def paper(
    key: str,
    title: str,
    authors: list[str],
    published: str = "2023-05-03",
    journal_ref: str | None = None,
    doi: str | None = None,
) -> Paper:
    return Paper(
        id=f"arxiv:{key}", version=1, title=title, abstract="", published=published,
        authors=tuple(Author(a) for a in authors), updated=published,
        primary_category="cs.CL", categories=("cs.CL",), comment=None,
        journal_ref=journal_ref, doi=doi, url=f"https://arxiv.org/abs/{key}",
        pdf_url=f"https://arxiv.org/pdf/{key}",
    )  # fmt: skip


def item(record: Paper | Dataset | Repo, **overrides: Any) -> Item:
    return Item(Entry(record.id, "papers", **overrides), record)


def test_colliding_keys_get_suffixes_in_list_order() -> None:
    a = item(paper("2301.00001", "Training Helpful Models", ["Jane Smith", "Bo Li"]))
    b = item(paper("2301.00002", "On Training Harmless Models", ["J. Smith"]))
    c = item(paper("2301.00003", "Training Models", ["Ann Smith"], published="2022-01-01"))
    d = item(paper("2301.00004", "Towards the Training", ["Jane Smith"]))
    assert cite_keys([a, b, c, d]) == {
        "arxiv:2301.00001": "smith2023traininga",
        "arxiv:2301.00002": "smith2023trainingb",
        "arxiv:2301.00003": "smith2022training",
        "arxiv:2301.00004": "smith2023trainingc",
    }
    assert cite_keys([d, a]) == {
        "arxiv:2301.00004": "smith2023traininga",
        "arxiv:2301.00001": "smith2023trainingb",
    }
    # A suffixed key never takes a key another entry has on its own.
    e = item(paper("2301.00005", "Traininga Set", ["Jane Smith"]))
    keys = cite_keys([a, b, e])
    assert keys["arxiv:2301.00005"] == "smith2023traininga"
    assert sorted(keys.values()) == [f"smith2023training{s}" for s in "abc"]


def test_keys_fold_names_and_skip_stop_words() -> None:
    cases = [
        (["Thomas Müller"], "The Art of LLMs", "muller2023art"),
        (["Łukasz Kaiser"], "Attention", "kaiser2023attention"),
        (["Văn Đặng"], "A Study", "dang2023study"),
        (["Anna Michałowska"], "Ørsted's Law", "michalowska2023orsted"),
        (["María Sánchez-Ruiz"], "Towards RLHF", "sanchezruiz2023rlhf"),
        (["Jan van der Berg"], "On: the GPT-4 Report", "berg2023gpt"),
        (["Plato"], "Republic", "plato2023republic"),
    ]
    for authors, title, want in cases:
        it = item(paper("2301.00001", title, authors))
        assert cite_keys([it]) == {"arxiv:2301.00001": want}


def test_tex_specials_in_titles_are_escaped_and_capitals_protected() -> None:
    title = "Q&A at 100% for $5: #1 a_b {x} ~y^ \\z in LLM, RLHF and GPT-4 via MT-Bench (ChatGPT) X"
    _, fields = bibtex_entry(item(paper("2301.00001", title, ["Ann Lee"])))
    assert dict(fields)["title"] == (
        r"{Q{\&}A} at 100{\%} for {\$}5: {\#}1 a{\_}b {\{}x{\}} "
        r"{\textasciitilde}y{\textasciicircum} {\textbackslash}z "
        r"in {LLM,} {RLHF} and {GPT-4} via {MT-Bench} {(ChatGPT)} {X}"
    )
    text = to_bibtex([item(paper("2301.00001", title, ["Ann Lee"]))])
    back = parse(text).entries[0].fields_dict["title"].value
    # pylatexenc reads \textasciicircum back as the modifier letter; LaTeX prints '^'.
    assert back == title.replace("^", "\u02c6")


def test_non_ascii_names_are_latex_accents_that_read_back() -> None:
    names = ["Thomas Müller", "María Sánchez", "Łukasz Kaiser", "Đặng Văn Nguyễn", "张伟"]
    _, fields = bibtex_entry(item(paper("2301.00001", "Names", names)))
    assert dict(fields)["author"] == (
        r"M{\"u}ller, Thomas and S{\'a}nchez, Mar{\'i}a and Kaiser, {\L}ukasz and "
        r"Nguyễn, {\DJ}ặng V{\u{a}}n and {张伟}"
    )
    back = parse(to_bibtex([item(paper("2301.00001", "Names", names))])).entries[0]
    got = [unicodedata.normalize("NFC", full_name(p)) for p in back.fields_dict["author"].value]
    assert got == names


def test_names_split_with_particles_suffixes_and_single_names() -> None:
    assert [csl_name(n) for n in [
        "Cheng-Han Chiang", "Jean-Pierre Dupont", "Eric P. Xing", "Jan van der Berg",
        "Charles de Gaulle", "Martin Luther King Jr.", "Martin Luther King, Jr.", "Plato",
        "van der Berg, Jan", "Ludwig von Mises III",
    ]] == [
        {"family": "Chiang", "given": "Cheng-Han"},
        {"family": "Dupont", "given": "Jean-Pierre"},
        {"family": "Xing", "given": "Eric P."},
        {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
        {"family": "Gaulle", "given": "Charles", "non-dropping-particle": "de"},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"literal": "Plato"},
        {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
        {"family": "Mises", "given": "Ludwig", "non-dropping-particle": "von", "suffix": "III"},
    ]  # fmt: skip
    assert split_name("Hung-yi Lee").given == "Hung-yi"
    authors = ["Jan van der Berg", "Martin Luther King Jr.", "Plato", "Anna Smith and Sons"]
    _, fields = bibtex_entry(item(paper("2301.00001", "T", authors)))
    # "and" inside a name is braced, or bibtex would read two authors there.
    assert dict(fields)["author"] == (
        "van der Berg, Jan and King, Jr., Martin Luther and {Plato} and {and} Sons, Anna Smith"
    )
    parsed = parse(to_bibtex([item(paper("2301.00001", "T", authors))])).entries[0]
    berg, king, plato, sons = parsed.fields_dict["author"].value
    assert (berg.first, berg.von, berg.last) == (["Jan"], ["van", "der"], ["Berg"])
    assert (king.first, king.last, king.jr) == (["Martin", "Luther"], ["King"], ["Jr."])
    assert (plato.first, plato.last) == ([], ["{Plato}"])
    assert (sons.first, sons.last) == (["Anna", "Smith"], ["{and}", "Sons"])


def test_venues_decide_the_entry_type() -> None:
    conference = ["NeurIPS 2022", "Proceedings of ACL 2023", "Findings of EMNLP 2023",
                  "ICLR 2024 Workshop on Safety", "Proc. of the 40th ICML", "AAAI-24",
                  "25th Symposium on Operating Systems"]  # fmt: skip
    journal = ["TACL", "Transactions on Machine Learning Research", "Nature 620, 47-53 (2023)",
               "Journal of Machine Learning Research 24", "Nucleic Acids Research"]  # fmt: skip
    assert [is_conference(v) for v in conference] == [True] * len(conference)
    assert [is_conference(v) for v in journal] == [False] * len(journal)
    by_ref = item(paper("2301.00001", "T", ["Ann Lee"], journal_ref="Nature 620, 47-53 (2023)",
                        doi="10.1038/s41586-023-06291-2"))  # fmt: skip
    kind, fields = bibtex_entry(by_ref)
    assert kind == "article" and dict(fields)["journal"] == "Nature 620, 47-53 (2023)"
    assert dict(fields)["doi"] == "10.1038/s41586-023-06291-2"
    override = item(paper("2301.00001", "T", ["Ann Lee"], journal_ref="Nature 1"), venue="ACL 2023")
    kind, fields = bibtex_entry(override)
    assert kind == "inproceedings" and dict(fields)["booktitle"] == "ACL 2023"
    assert "journal" not in dict(fields)
    preprint = item(paper("2301.00001", "T", ["Ann Lee"]), venue="arXiv 2023")
    assert bibtex_entry(preprint)[0] == "misc"
    (csl,) = to_csl([override, preprint][:1])
    assert csl["type"] == "paper-conference" and csl["container-title"] == "ACL 2023"
    assert to_csl([by_ref])[0]["type"] == "article-journal"
    assert to_csl([preprint])[0]["type"] == "article"
    jsonschema.Draft7Validator(SCHEMA).validate(to_csl([by_ref, override, preprint]))
    with pytest.raises(InputError, match=r"^Citations come as bibtex or csl-json, not 'ris'\.$"):
        write("ris", [preprint])


def test_a_dataset_without_dates_and_an_old_style_id() -> None:
    ds = Dataset(
        id="hf:someone/my_data", title="someone/my_data", url="https://huggingface.co/datasets/someone/my_data",
        author=None, sha=None, last_modified=None, created=None, license=(), languages=(),
        task_categories=(), size_categories=(), downloads=None, likes=None, gated=None,
        private=False, disabled=False, papers=(),
    )  # fmt: skip
    old = paper("math/0309136", "Old Style", ["Grigori Perelman"], published="2003-09-08")
    text = to_bibtex([item(ds), item(old)])
    assert text.startswith(
        "@misc{someonemy,\n  title = {{someone/my{\\_}data}},\n  author = {{someone}},\n"
        "  howpublished = {\\url{https://huggingface.co/datasets/someone/my_data}},\n"
    )
    assert "@misc{perelman2003old,\n" in text and "  eprint = {math/0309136},\n" in text
    assert "  doi = {10.48550/arXiv.math/0309136},\n" in text
    items = to_csl([item(ds), item(old)])
    jsonschema.Draft7Validator(SCHEMA).validate(items)
    assert "issued" not in items[0] and items[1]["number"] == "arXiv:math/0309136"
