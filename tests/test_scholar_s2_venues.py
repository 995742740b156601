"""The venue as lists write it (alignfetch.sources.venues.venue_of), on real Semantic
Scholar paper objects (tests/data/s2/, recorded) and on the reference list's papers.
Each case names the bug it catches."""

from __future__ import annotations

from typing import Any

import pytest

from alignfetch.sources import semantic_scholar
from alignfetch.sources.venues import table, venue_of
from fakes.s2 import items, recorded

RECORDED = recorded("venues")["items"]
REFERENCE = items()


@pytest.mark.parametrize(
    ("key", "venue"),
    [
        # Bug: a DBLP conference key not read: ACL 2023 shown as arXiv 2023.
        ("2305.01937", "ACL 2023"),
        # Bug: NeurIPS Datasets and Benchmarks (DBLP conf/nips) given another name.
        ("2306.05685", "NeurIPS 2023"),
        # Bug: S2's year (arXiv's, 2024) used for a DBLP venue: ICLR 2025 shown as 2024.
        ("2408.16532", "ICLR 2025"),
        # Bug: a preprint (CoRR key, arXiv.org) given a venue instead of None.
        ("2204.05862", None),
        ("2206.08325", None),
    ],
)
def test_reference_papers(key: str, venue: str | None) -> None:
    assert venue_of(REFERENCE[key]) == venue


@pytest.mark.parametrize(
    ("tag", "venue"),
    [
        # Bug: a CoRR DBLP key taken for "preprint" although publicationVenue is ICML.
        ("journals/corr/MnihG14", "ICML 2014"),
        # Bug: a journal the table knows by its DBLP key not shortened.
        ("journals/ral/MonastirskyAS23", "RA-L 2023"),
        # Bug: the shortest acronym-like alternate name not chosen ("BMJ", not "eBMJ").
        ("British medical journal", "BMJ 1949"),
        # Bug: an abbreviation with spaces ("Front Psychol") taken for a short name.
        ("Frontiers in Psychology", "Frontiers in Psychology 2024"),
        # Bug: arXiv's own venue (by its id and name) shown as a venue.
        ("journals/corr/abs-2404-13957", None),
        # Bug: a published journal version behind a CoRR key dropped as a preprint.
        ("journals/corr/abs-2204-01467", "Nature Reviews Physics 2022"),
        # Bug: a DBLP venue the table lacks loses the venue S2 names.
        ("conf/iciap/MerlinLCCB22", "ICIAP Workshops 2022"),
    ],
)
def test_recorded_items(tag: str, venue: str | None) -> None:
    assert venue_of(RECORDED[tag]) == venue


def item(**kw: Any) -> dict[str, Any]:
    return {"year": 2024, "externalIds": {}, "publicationVenue": None, "venue": "", **kw}


@pytest.mark.parametrize(
    ("given", "venue"),
    [
        # Bug: the table's DBLP venues not covered (TMLR, EMNLP, CVPR, CoRL...).
        (item(externalIds={"DBLP": "journals/tmlr/SomeoneX24"}), "TMLR 2024"),
        (item(externalIds={"DBLP": "conf/emnlp/SomeoneX23"}), "EMNLP 2023"),
        (item(externalIds={"DBLP": "conf/cvpr/SomeoneX22"}), "CVPR 2022"),
        (item(externalIds={"DBLP": "conf/corl/SomeoneX23a"}), "CoRL 2023"),
        # Bug: a Findings paper (DBLP conf/acl) shown as the main conference.
        (
            item(externalIds={"DBLP": "conf/acl/SomeoneX23", "ACL": "2023.findings-acl.12"}),
            "Findings of ACL 2023",
        ),
        # Bug: a full name the table knows not shortened (no DBLP key).
        (
            item(venue="Conference on Empirical Methods in Natural Language Processing"),
            "EMNLP 2024",
        ),
        # Bug: an alternate name the table knows ignored for the full name.
        (
            item(publicationVenue={"name": "Some Long Name", "alternate_names": ["NeurIPS"]}),
            "NeurIPS 2024",
        ),
        # Bug: no year known gives "TMLR None".
        (
            item(year=None, publicationVenue={"name": "Transactions on Machine Learning Research"}),
            "TMLR",
        ),
        # Bug: the venue text "arXiv.org" or no venue at all given as a venue.
        (item(venue="arXiv.org"), None),
        (item(), None),
        # Bug: junk types crash the rule instead of counting as absent.
        (item(externalIds=["x"], publicationVenue="ICLR", venue=None), None),
        (item(publicationVenue={"name": "Foo Conf", "alternate_names": "FC"}), "Foo Conf 2024"),
    ],
)
def test_rule(given: dict[str, Any], venue: str | None) -> None:
    assert venue_of(given) == venue


def test_table_covers_the_main_venues() -> None:
    """Bug: a main ML/NLP/CV/robotics/IR venue missing from venues.json (shown by its
    long name), or CoRR not marked as arXiv's."""
    shorts = set(table().dblp.values())
    for name in (
        "ACL",
        "EMNLP",
        "NAACL",
        "EACL",
        "COLING",
        "TACL",
        "CL",
        "NeurIPS",
        "ICML",
        "ICLR",
        "AAAI",
        "IJCAI",
        "CVPR",
        "ICCV",
        "ECCV",
        "WACV",
        "KDD",
        "WWW",
        "SIGIR",
        "CoRL",
        "ICRA",
        "IROS",
        "RSS",
        "COLM",
        "JMLR",
        "TMLR",
        "TPAMI",
        "Nature",
        "Science",
    ):
        assert name in shorts, name
    assert table().dblp["journals/corr"] is None


def test_convert_drops_arxiv_doi_keeps_published() -> None:
    """Bug: arXiv's own DOI (10.48550/…) stored as the published version's."""
    assert semantic_scholar.convert(REFERENCE["2408.16532"], "2408.16532").doi is None
    assert semantic_scholar.convert(REFERENCE["2305.01937"], "2305.01937").doi == (
        "10.18653/v1/2023.acl-long.870"
    )
