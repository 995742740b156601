"""Every form a maintainer pastes normalizes to one canonical ID; nothing else passes."""

from __future__ import annotations

import pytest

from alignfetch.errors import BadIdError
from alignfetch.list import ids

ACCEPTED = [
    ("2305.01937", "arxiv:2305.01937"),
    ("2305.01937v2", "arxiv:2305.01937"),
    ("arXiv:2305.01937", "arxiv:2305.01937"),
    ("arxiv:2305.01937v12", "arxiv:2305.01937"),
    ("  2305.01937\n", "arxiv:2305.01937"),
    ("0704.0001", "arxiv:0704.0001"),
    ("1412.9999", "arxiv:1412.9999"),
    ("hep-th/9901001", "arxiv:hep-th/9901001"),
    ("hep-th/9901001v3", "arxiv:hep-th/9901001"),
    ("math.GT/0309136", "arxiv:math/0309136"),
    ("math.GT/0309136v1", "arxiv:math/0309136"),
    ("arXiv:quant-ph/0201082v1", "arxiv:quant-ph/0201082"),
    ("https://arxiv.org/abs/2305.01937", "arxiv:2305.01937"),
    ("https://arxiv.org/abs/2305.01937v2", "arxiv:2305.01937"),
    ("https://arxiv.org/pdf/2305.01937", "arxiv:2305.01937"),
    ("https://arxiv.org/pdf/2305.01937v1.pdf", "arxiv:2305.01937"),
    ("https://arxiv.org/html/2305.01937v2", "arxiv:2305.01937"),
    ("http://arxiv.org/abs/2305.01937", "arxiv:2305.01937"),
    ("https://export.arxiv.org/abs/2305.01937", "arxiv:2305.01937"),
    ("https://www.arxiv.org/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
    ("https://arxiv.org/abs/math.GT/0309136", "arxiv:math/0309136"),
    ("https://arxiv.org/abs/2305.01937?context=cs", "arxiv:2305.01937"),
    ("https://arxiv.org/abs/2305.01937/", "arxiv:2305.01937"),
    ("10.48550/arXiv.2305.01937", "arxiv:2305.01937"),
    ("10.48550/ARXIV.2305.01937", "arxiv:2305.01937"),
    ("https://doi.org/10.48550/arXiv.2305.01937", "arxiv:2305.01937"),
    ("doi:10.48550/arXiv.2305.01937", "arxiv:2305.01937"),
]

MALFORMED = [
    "",
    "abc",
    "2305",
    "2305.1937",  # four digits after 2015
    "1412.00001",  # five digits before 2015
    "2313.01937",  # month 13
    "0703.0001",  # new-style numbers began in April 2007
    "2305.01937v",
    "2305.01937v0",
    "2305.01937 2306.05685",
    "arxiv:",
    "arxiv:foo",
    "hep-th/990100",  # six digits
    "foo/9901001",  # no such archive
    "hep-th/9913001",  # month 13
    # https://arxiv.org/list/cs.CL/recent and https://example.org/abs/2305.01937 are web
    # pages (url: IDs, see test_import.py), not malformed arXiv IDs.
    "https://arxiv.org/abs/",
    "10.1145/3442188.3445922",  # a DOI, but not arXiv's
    "10.48550/arXiv.abc",
    "ftp://arxiv.org/abs/2305.01937",
    "2305.01937.pdf",
]


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED)
def test_accepted_forms_normalize(text: str, canonical: str) -> None:
    assert str(ids.parse(text)) == canonical


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_ids_are_rejected_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(BadIdError) as err:
        ids.parse(text)
    assert "2305.01937" in str(err.value) and "10.48550/arXiv." in str(err.value)


def test_canonical_form_parses_to_itself() -> None:
    for _, canonical in ACCEPTED:
        assert str(ids.parse(canonical)) == canonical
