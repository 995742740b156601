"""The links and styled words of a piece of raw HTML in a README (``<a href>``, ``<img>``,
``<b>``, ``<i>``), read with the standard library's HTML parser; nothing else of HTML is
needed to read a list (:mod:`alignfetch.readme.markdown` uses it for HTML blocks, inline
HTML and the cells of an HTML ``<table>``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SPACE = re.compile(r"\s+")


class Anchors(HTMLParser):
    """The links (``<a href>``) and images (``<img src>``) of an HTML fragment, in order:
    (target, image or not, row in the fragment, the link's words or the image's alt)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool, int, list[str]]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        row = self.getpos()[0] - 1
        if tag == "a" and values.get("href"):
            self._open = []
            self.found.append((values["href"] or "", False, row, self._open))
        elif tag == "img" and values.get("src"):
            alt = [values.get("alt") or ""]
            self.found.append((values["src"] or "", True, row, alt))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


class Styled(Anchors):
    """An HTML fragment's text in runs of one style: (text, bold, italic, the index in
    :attr:`found` of the link it is the text of, else -1)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[tuple[str, bool, bool, int]] = []
        self._strong = 0
        self._em = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        self._strong += tag in ("b", "strong")
        self._em += tag in ("i", "em")
        if tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        self._strong -= tag in ("b", "strong") and self._strong > 0
        self._em -= tag in ("i", "em") and self._em > 0

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        link = len(self.found) - 1 if self._open is not None else -1
        text = SPACE.sub(" ", data)
        if text:
            self.runs.append((text, self._strong > 0, self._em > 0, link))
