"""The site in a real browser: Debian's headless Chromium driven by Playwright.

Skipped with a reason where Chromium or Playwright is missing; with CI=true a missing
browser fails the run instead (tests/site_browser.py). The site is built from the
reference list's export (and once from its cache, refreshed against the fakes), and
opened from file:// and over HTTP on 127.0.0.1, as GitHub Pages serves it.
Screenshots are kept in the test's tmp folder, and the light one is copied to
/tmp/site-screenshot.png to be looked at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import site_browser
from test_site import IDS, ROOT, reference

from alignfetch.site import build
from conftest import Fakes, run

SCREENSHOT = Path("/tmp/site-screenshot.png")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = site_browser.missing()
    if why:
        if site_browser.in_ci():
            pytest.fail(f"The browser tests must run in CI (CI=true): {why}.")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = site_browser.launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference list's site, built from its export."""
    folder = tmp_path_factory.mktemp("site")
    build(reference(), folder)
    return folder


class Watched:
    """A page, with what it logged and asked for."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        # Errors and warnings; not Chromium's verbose "[Violation] handler took 60ms"
        # notes, which a loaded machine prints about any page.
        page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning", "assert")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(r.url))

    def visible_ids(self) -> list[str]:
        ids: list[str] = self.page.evaluate(
            "() => [...document.querySelectorAll('article.entry')]"
            ".filter(e => e.offsetParent !== null).map(e => e.dataset.id)"
        )
        return ids

    def count(self) -> str:
        text: str = self.page.locator("#count").inner_text()
        return text

    def settle(self, shown: int, seconds: float = 30.0) -> None:
        """Wait until ``shown`` entries are not hidden (the page shows them a thousand a
        frame). Polled from here: Playwright's own waiting runs its test through ``eval``
        whenever it must poll, which the site's policy (``script-src 'self'``) refuses."""
        script = "[...document.querySelectorAll('article.entry')].filter(e => !e.hidden).length"
        for _ in range(int(seconds / 0.05)):
            now = self.page.evaluate(script)
            if now == shown:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{now} entries shown after {seconds:g} s, not {shown}")


@pytest.fixture
def opened(browser: Any, site: Path) -> Iterator[Any]:
    """Open the site's page (from file://), with a query or a fragment if given."""
    contexts: list[Any] = []

    def open_(tail: str = "", **options: Any) -> Watched:
        context = browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **options})
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.page.goto((site / "index.html").as_uri() + tail)
        return watched

    yield open_
    for context in contexts:
        context.close()


def only_own_files(watched: Watched, base: str) -> None:
    strangers = [u for u in watched.requests if not u.startswith(base)]
    assert strangers == [], f"requests outside the site: {strangers}"
    assert watched.failed == []
    assert watched.console == []


# Catches: an entry missing from the page, a script error on load (the console), a
# request to a CDN, a font or an analytics host, or an asset the page names but the
# build did not write. Keeps the screenshots to look at.
def test_every_entry_shows_and_nothing_else_is_asked_for(
    opened: Any, site: Path, tmp_path: Path
) -> None:
    watched = opened()
    assert watched.visible_ids() == IDS
    assert watched.count() == "12 of 12 entries"
    only_own_files(watched, site.as_uri() + "/")
    assert sorted(u.removeprefix(site.as_uri() + "/") for u in watched.requests) == [
        "assets/entries.js",
        "assets/icon.svg",
        "assets/site.css",
        "assets/site.js",
        "index.html",
    ]
    watched.page.screenshot(path=tmp_path / "site.png")
    shutil.copy(tmp_path / "site.png", SCREENSHOT)


# Catches: a page that works from a file but not as GitHub Pages serves it (an asset
# path that is absolute, a wrong case, a 404 for a favicon the browser asks for).
def test_over_http_it_asks_only_for_its_own_files(browser: Any, site: Path) -> None:
    with site_browser.serve(site) as base:
        context = browser.new_context()
        try:
            watched = Watched(context.new_page())
            statuses: list[int] = []
            watched.page.on("response", lambda r: statuses.append(r.status))
            watched.page.goto(base + "index.html?q=judge")
            assert watched.visible_ids() == ["arxiv:2306.05685"]
            only_own_files(watched, base)
            assert statuses and set(statuses) == {200}
        finally:
            context.close()


# Catches: a search that dims instead of hiding, a count that does not follow, a
# search that misses the abstract or forgets to show all again when cleared.
def test_the_search_narrows_and_clears(opened: Any) -> None:
    watched = opened()
    box = watched.page.get_by_label("Search", exact=True)
    box.fill("judge")
    assert watched.visible_ids() == ["arxiv:2306.05685"]
    assert watched.page.locator('[data-id="arxiv:2305.01937"]').get_attribute("hidden") == ""
    assert watched.count() == "1 of 12 entries match"
    assert watched.page.evaluate("location.search") == "?q=judge"
    box.fill("lianmin zheng")  # authors, two words in any order
    assert watched.visible_ids() == ["arxiv:2306.05685"]
    box.fill("multi-turn")  # only in its abstract
    assert watched.visible_ids() == ["arxiv:2306.05685"]
    box.fill("")
    assert watched.visible_ids() == IDS
    assert watched.count() == "12 of 12 entries"
    assert watched.page.evaluate("location.search") == ""
    assert watched.console == []


# Catches: a section filter that ignores the search (or the reverse), or one that
# misses its sub-sections' entries.
def test_a_section_filter_and_the_search_combine(opened: Any) -> None:
    watched = opened()
    watched.page.get_by_label("Search", exact=True).fill("rlhf")
    assert len(watched.visible_ids()) == 7
    watched.page.get_by_label("Section", exact=True).select_option("datasets")
    assert watched.visible_ids() == ["hf:Anthropic/hh-rlhf", "hf:liyucheng/zhihu_rlhf_3k"]
    watched.page.get_by_label("Section", exact=True).select_option(
        "papers"
    )  # its three sub-sections
    assert watched.visible_ids() == ["arxiv:2204.05862"]
    assert watched.count() == "1 of 12 entries match"
    assert not watched.page.locator("#section-safety").is_hidden()
    assert watched.page.locator("#section-evaluation").is_hidden()  # emptied: its heading goes
    watched.page.get_by_label("Kind", exact=True).select_option("dataset")
    assert watched.visible_ids() == []
    assert watched.page.locator("#none").is_visible()
    watched.page.get_by_role("button", name="Clear the search and filters").click()
    assert watched.visible_ids() == IDS
    assert watched.console == []  # a control named "reset" once hid form.reset()


# Catches: year, kind and venue filters that do not filter, and a sort that sorts as
# text ("7862" before "1556" by accident) or loses entries.
def test_year_kind_venue_filters_and_the_sorts(opened: Any) -> None:
    watched = opened()
    page = watched.page
    page.get_by_label("Year", exact=True).select_option("2022")
    assert watched.visible_ids() == ["arxiv:2206.08325", "arxiv:2204.05862", "hf:Anthropic/hh-rlhf"]
    page.get_by_label("Venue", exact=True).select_option("NeurIPS")
    assert watched.visible_ids() == ["arxiv:2206.08325", "arxiv:2204.05862"]
    page.get_by_role("button", name="Clear").first.click()
    page.get_by_label("Kind", exact=True).select_option("repo")
    page.get_by_label("Sort by", exact=True).select_option("stars")
    assert watched.visible_ids() == [
        "gh:lucidrains/PaLM-rlhf-pytorch",
        "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
        "gh:CarperAI/trlx",
        "gh:PKU-Alignment/safe-rlhf",
    ]
    page.get_by_label("Kind", exact=True).select_option("")
    page.get_by_label("Sort by", exact=True).select_option("date")
    shown = watched.visible_ids()
    assert shown[:2] == ["arxiv:2306.05685", "arxiv:2305.16960"] and sorted(shown) == sorted(IDS)
    page.get_by_label("Sort by", exact=True).select_option("")
    assert watched.visible_ids() == IDS
    assert watched.console == []


# Catches: an anchor the page does not have (an id scheme that differs from the
# links'), or a script that scrolls back to the top after load.
def test_a_permalink_scrolls_to_its_entry(opened: Any) -> None:
    watched = opened("#arxiv-2306.05685", viewport={"width": 1000, "height": 600})
    top = watched.page.evaluate(
        "document.querySelector('[data-id=\"arxiv:2306.05685\"]').getBoundingClientRect().top"
    )
    assert watched.page.evaluate("window.scrollY") > 0
    assert 0 <= top < 250
    assert (
        watched.page.evaluate("document.querySelector(':target').dataset.id") == "arxiv:2306.05685"
    )


# Catches: a shared search link that opens on the whole list (the query not read back
# at load), and a filter value from an old link that hides everything.
def test_the_query_in_the_url_is_restored_on_load(opened: Any) -> None:
    watched = opened("?q=judge&section=papers&sort=bogus")
    assert watched.page.get_by_label("Search", exact=True).input_value() == "judge"
    assert watched.page.get_by_label("Section", exact=True).input_value() == "papers"
    assert watched.page.get_by_label("Sort by", exact=True).input_value() == ""
    assert watched.visible_ids() == ["arxiv:2306.05685"]
    assert watched.count() == "1 of 12 entries match"


# Catches: an abstract that never appears when its <details> is opened (the entries'
# data out of step with the page).
def test_an_abstract_opens(opened: Any) -> None:
    watched = opened()
    entry = watched.page.locator('[data-id="arxiv:2306.05685"]')
    entry.get_by_text("Abstract").click()
    # The abstract is filled in from assets/entries.js when the <details> opens: wait for it
    # as a reader would (a loaded machine takes a moment), up to Playwright's timeout.
    from playwright.sync_api import expect

    expect(entry.locator(".abstract")).to_contain_text("LLM-as-a-judge")


# Catches: controls a keyboard cannot reach or whose focus cannot be seen, and the "/"
# shortcut typed into the page instead of the search.
def test_the_keyboard_reaches_the_search_with_a_visible_focus(opened: Any) -> None:
    watched = opened()
    page = watched.page
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("judge")
    assert watched.visible_ids() == ["arxiv:2306.05685"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-section"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def _contrast(page: Any, what: str) -> float:
    ratio: float = page.evaluate(
        """(what) => {
          const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
          }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
          const el = document.querySelector(what);
          const fg = lum(rgb(getComputedStyle(el).color));
          const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
          return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        }""",
        what,
    )
    return ratio


# Catches: a dark scheme that keeps light text colours on a dark page (or the reverse),
# grey text below WCAG AA, and a page wider than a phone (a long ID or URL unbroken).
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_light_dark_and_phone_width_are_readable(opened: Any, scheme: str, tmp_path: Path) -> None:
    watched = opened(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    page = watched.page
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
    for what in ("body", ".meta", ".entry .title a", ".count", "label"):
        assert _contrast(page, what) >= 4.5, what
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=tmp_path / f"site-{scheme}-phone.png")
    shutil.copy(
        tmp_path / f"site-{scheme}-phone.png",
        SCREENSHOT.with_name(f"site-screenshot-{scheme}-phone.png"),
    )


# Catches: the site built from the list's own cache (as the nightly job does) missing
# entries that the export path has.
def test_the_site_from_the_cache_shows_all_twelve(
    fakes: Fakes, browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "entries.toml", tmp_path / "entries.toml")
    monkeypatch.chdir(tmp_path)
    assert run("refresh").exit_code == 0
    assert run("site", "-o", "public").exit_code == 0
    context = browser.new_context()
    try:
        watched = Watched(context.new_page())
        watched.page.goto((tmp_path / "public" / "index.html").as_uri())
        assert watched.visible_ids() == IDS
        watched.page.get_by_label("Search", exact=True).fill("judge")
        assert watched.visible_ids() == ["arxiv:2306.05685"]
        only_own_files(watched, (tmp_path / "public").as_uri() + "/")
    finally:
        context.close()


# Catches: on a long list, where the entries change a thousand a frame, a search whose
# later frames never come (entries past the first thousand left hidden after clearing,
# or left shown after narrowing), and entries of a hidden section coming back all at once.
def test_a_long_list_settles_after_narrowing_and_clearing(browser: Any, tmp_path: Path) -> None:
    doc = reference()
    model = next(e for e in doc["entries"] if e["id"] == "gh:CarperAI/trlx")
    doc["entries"] = [
        {
            **model,
            "id": f"gh:owner{n}/repo{n}",
            "title": f"Repository number {n}",
            "description": None,
        }
        for n in range(2500)
    ]
    build(doc, tmp_path / "long")
    context = browser.new_context()
    try:
        watched = Watched(context.new_page())
        watched.page.goto((tmp_path / "long" / "index.html").as_uri())
        box = watched.page.get_by_label("Search", exact=True)
        box.fill("number 2499")
        assert watched.count() == "1 of 2500 entries match"
        watched.settle(1)
        assert watched.visible_ids() == ["gh:owner2499/repo2499"]
        box.fill("")
        watched.settle(2500)
        assert len(watched.visible_ids()) == 2500
        assert watched.console == []
    finally:
        context.close()
