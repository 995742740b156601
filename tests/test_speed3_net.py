"""arXiv's answers read straight into papers (:func:`arxiv.read_papers`), with no
``arxiv.Result`` made of each entry on the way: the same papers as before, always."""

from __future__ import annotations

import pytest
from test_refresh_writes import ODD_FEED

from alignfetch.http.policy import Answer
from alignfetch.sources import arxiv
from alignfetch.sources.arxiv_feed import feed_problem, forget, parse_feed
from conftest import ARXIV_FEEDS

PLACEHOLDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>2</opensearch:totalResults>
  <entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>
    <updated>2024-01-02T03:04:05Z</updated><published>2024-01-02T03:04:05Z</published>
    <title>Error</title></entry>
  <entry><id>http://arxiv.org/abs/2401.00003v4</id>
    <updated>2024-01-02T23:59:59-05:00</updated><published>2023-12-31T22:00:00+02:00</published>
    <title>  Spaced
   title </title><summary>  An
 abstract&#160;here </summary>
    <author><name> Ada   Lovelace </name><arxiv:affiliation> Lab
 One </arxiv:affiliation></author>
    <arxiv:primary_category term=""/>
    <category term="cs.LG"/><category term="cs.CL"/><category term="cs.LG"/>
    <arxiv:comment>  </arxiv:comment><arxiv:doi>not a doi</arxiv:doi>
    <arxiv:journal_ref> J. 1 </arxiv:journal_ref></entry>
</feed>
"""


def _exact(body: bytes) -> list[object]:
    """What the pipeline made before: the package's results, each converted."""
    return [arxiv.convert(r) if "/abs/" in r.entry_id else None for r in parse_feed(body).results]


@pytest.mark.parametrize("vouched", [True, False])
def test_papers_read_from_the_feed_are_the_papers_convert_made(vouched: bool) -> None:
    """Catches a paper read straight from the XML that differs from what ``convert``
    made of the package's result (a title not unspaced, a date taken before its time
    zone is applied, a duplicate category kept, an empty primary category not
    replaced, an error entry counted as a paper, a skipped entry counted for paging):
    every refresh would then rewrite every paper, or store a wrong one."""
    bodies = [path.read_bytes() for path in ARXIV_FEEDS] + [ODD_FEED, PLACEHOLDER]
    assert len(bodies) >= 5
    for body in bodies:
        forget()
        if vouched:  # the usual way: the validator parsed it, read_papers uses its tree
            assert feed_problem("u", Answer(200, {}, body)) is None
        ours = arxiv.read_papers(body)
        theirs = parse_feed(body)
        assert ours.header == theirs.header and ours.malformed == theirs.malformed
        assert ours.results == _exact(body)
    forget()
    (error, paper) = arxiv.read_papers(PLACEHOLDER).results
    assert error is None and paper is not None
    assert (paper.title, paper.abstract) == ("Spaced title", "An abstract here")
    assert (paper.published, paper.updated) == ("2023-12-31", "2024-01-03")
    assert paper.categories == ("cs.LG", "cs.CL") and paper.primary_category == "cs.LG"
    assert (paper.comment, paper.doi, paper.journal_ref) == (None, None, "J. 1")
    assert paper.authors == (arxiv.Author("Ada Lovelace", ("Lab One",)),)
