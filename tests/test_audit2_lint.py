"""Issue 18's second audit, the lint part: what `check` prints is cleaned and capped
whatever rule made it and whatever a README says (finding 4), and a README's web links
that are no valid URL are `link` findings, never asked (finding 5).

Hostile texts go in through a README (a table-of-contents link, a link's text, a heading
that is an entry's title, a file's name) and come out of the real command in its three
formats; the GitHub format is read back line by line as the Actions runner reads a
step's output (tests/test_audit2_lint.py's ``_runner_commands``, after
actions/runner's ActionCommand: ``::name props::data`` at a line's start, after blanks,
and the old ``##[name props]data`` anywhere in a line).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alignfetch.lint.findings import Finding, Result
from alignfetch.lint.links import cached
from alignfetch.workspace import Workspace
from conftest import Fakes, run
from fakes.web import FakeWeb

# An OSC that retitles the terminal, a right-to-left override, a bidi mark, a line
# separator, GitHub workflow commands (the new form and the old, which the runner obeys
# anywhere in a line) and an escaped newline for the command's data.
EVIL = "\u202e\x1b]0;T\x07\u200f\u2028##[add-mask]x::warning::y%0A"
# A link's text ends at its first ``]``: there, the terminal is reset (ESC c), coloured
# through the 8-bit CSI (U+009B) and belled, with the workflow commands in balanced brackets.
EVIL_TEXT = "\u202e\x1bc\x9b31m\x07\u200f\u2028 ##[add-mask]x ::warning::y %0A"

TEXT_LIMIT = 1000
"""alignfetch.lint.findings.TEXT_LIMIT: the most characters of one text of a finding."""

BAD_CHARS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
"""What must not reach the terminal (a newline ends a line; everything else is out)."""

NO_LINKS = '[list]\ntitle = "L"\n\n[check]\nignore = ["link"]\n'

HOSTILE = (
    "# L\n"
    "\n"
    f"- [Jump](#x{EVIL}y)\n"  # line 3: a toc link to no heading
    "\n"
    f"## Papers{EVIL}\n"
    "\n"
    f"- [Training a Helpful and Harmless Assistant {EVIL_TEXT} with Reinforcement Learning "
    "from Human Feedback](https://arxiv.org/abs/2204.05862) - Anthropic.\n"  # 7: link text
    f"- [{'Long words here ' * 400}](https://arxiv.org/abs/2206.08325)\n"  # 8: a long text
    "\n"
    f"### [Characteristics of Harmful Text {EVIL_TEXT} Towards Rigorous Benchmarking of "
    "Language Models](https://arxiv.org/abs/2206.08325)\n"  # 10: a heading that is a title
)


def _runner_commands(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """The workflow commands the Actions runner finds in ``stdout``: each line's
    ``::name k=v,...::data`` (after leading blanks) and ``##[name k=v;...]data``, with
    the runner's unescaping."""
    out = []
    for line in stdout.split("\n"):
        text = line.lstrip()
        if text.startswith("::") and (end := text.find("::", 2)) >= 0:
            info = text[2:end]
            name, _, props = info.partition(" ")
            pairs = dict(p.split("=", 1) for p in props.split(",") if "=" in p)
            for k, v in pairs.items():
                for code, char in (
                    ("%0D", "\r"),
                    ("%0A", "\n"),
                    ("%3A", ":"),
                    ("%2C", ","),
                    ("%25", "%"),
                ):
                    v = v.replace(code, char)
                pairs[k] = v
            data = text[end + 2 :]
            for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
                data = data.replace(code, char)
            out.append((name, pairs, data))
        if (start := line.find("##[")) >= 0 and line.find("]", start) >= 0:
            out.append(("v1:" + line[start + 3 : line.find("]", start)], {}, line))
    return out


@pytest.fixture
def hostile(fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "entries.toml").write_text(NO_LINKS, encoding="utf-8")
    return tmp_path


# -- finding 4: what check prints, whatever a README says -------------------------------


# Catches the toc rule's finding (and any rule's) printing a README's escapes and bidi
# characters raw (ESC ] … BEL retitled the terminal, U+202E turned the line around) and
# printing a 6,000-character link text whole; and a workflow command inside a link text
# or title reaching the runner.
def test_human_format_prints_hostile_readme_texts_cleaned_and_capped(hostile: Path) -> None:
    r = run("check", "--stale-months", "600", "README.md")
    assert (r.exit_code, r.stderr) == (1, "")
    out = r.stdout
    assert not BAD_CHARS.search(out), repr(BAD_CHARS.search(out))
    assert "##[" not in out
    assert not [ln for ln in out.splitlines() if ln.lstrip().startswith("::")]
    assert _runner_commands(out) == []
    # Readable: what was printable stays, in order.
    assert (
        "     3  error    toc        The link #x]0;T # #[add-mask]x::warning::y%0Ay names " in out
    )
    lines = out.splitlines()
    said = [ln.split("the file says:", 1)[1].strip() for ln in lines if "the file says:" in ln]
    assert "#x]0;T # #[add-mask]x::warning::y%0Ay" in said
    evil = "c31m # #[add-mask]x ::warning::y %0A"  # ESC c, CSI 31m, the bell and marks gone
    assert f"Training a Helpful and Harmless Assistant {evil} with Reinforcement" in out
    assert f"Characteristics of Harmful Text {evil} Towards Rigorous" in out
    long = [s for s in said if s.startswith("Long words here")]
    assert len(long) == 1 and len(long[0]) == TEXT_LIMIT and long[0].endswith("…")
    assert max(len(ln) for ln in lines) <= 27 + len("the file says:    ") + TEXT_LIMIT


def test_json_format_holds_hostile_readme_texts_cleaned_and_capped(hostile: Path) -> None:
    r = run("check", "--stale-months", "600", "--format", "json", "README.md")
    assert r.exit_code == 1
    assert not BAD_CHARS.search(r.stdout) and "##[" not in r.stdout
    findings = json.loads(r.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [
        ("toc", 3),
        ("title", 7),
        ("mismatch", 8),
        ("title", 10),
        ("duplicate", 10),
    ]
    for f in findings:
        for key in ("message", "expected", "found", "id", "file"):
            value = f[key]
            assert value is None or (not BAD_CHARS.search(value) and len(value) <= TEXT_LIMIT)
    toc = next(f for f in findings if f["rule"] == "toc")
    assert toc["found"] == "#x]0;T # #[add-mask]x::warning::y%0Ay"
    assert len(findings[2]["found"]) == TEXT_LIMIT
    from alignfetch.lint import findings as module

    assert module.TEXT_LIMIT == TEXT_LIMIT


# Catches a hostile text making the runner see a second workflow command: in a finding's
# data (a newline, ``##[add-mask]``) or in the summary line after the findings.
def test_github_format_gives_the_runner_one_command_per_finding(hostile: Path) -> None:
    r = run("check", "--stale-months", "600", "--format", "github", "README.md")
    assert r.exit_code == 1
    assert not BAD_CHARS.search(r.stdout)
    commands = _runner_commands(r.stdout)
    lines = r.stdout.splitlines()
    assert len(commands) == len(lines) - 1 == 5  # one per finding, then the summary
    assert {name for name, _, _ in commands} == {"error", "warning"}
    assert {tuple(props) for _, props, _ in commands} == {("file", "line", "title")}
    assert {props["file"] for _, props, _ in commands} == {"README.md"}
    assert [props["line"] for _, props, _ in commands] == ["3", "7", "8", "10", "10"]
    toc = commands[0][2]
    # The data reads back as the finding's message: a %0A in the README stays text.
    assert toc == "The link #x]0;T # #[add-mask]x::warning::y%0Ay names no heading of the file."
    assert lines[-1] == "README.md: 3 errors, 2 warnings in 3 entries."


# Catches a file's name starting a line as a workflow command (the human format's file
# heading and every format's summary begin with it), or carrying one inside it.
@pytest.mark.parametrize("fmt", ["human", "github", "json"])
def test_a_hostile_file_name_starts_no_workflow_command(hostile: Path, fmt: str) -> None:
    name = "::error title=pwned::x##[warning]y\u202e.md"
    (hostile / name).write_text(HOSTILE, encoding="utf-8")
    r = run("check", "--stale-months", "600", "--format", fmt, name)
    assert r.exit_code == 1
    assert not BAD_CHARS.search(r.stdout) and "##[" not in r.stdout
    commands = _runner_commands(r.stdout)
    assert len(commands) == (5 if fmt == "github" else 0)
    shown = "./::error title=pwned::x# #[warning]y.md"
    assert {props["file"] for _, props, _ in commands} <= {shown}
    if fmt == "json":
        assert {f["file"] for f in json.loads(r.stdout)["findings"]} == {shown}
    else:
        assert r.stdout.splitlines()[-1] == f"{shown}: 3 errors, 2 warnings in 3 entries."
    if fmt == "human":
        assert r.stdout.splitlines()[0] == shown  # the file's heading


# Catches the github format's escaping letting a finding made by hand (the library's
# Finding, with no rule's cleaning) split into a second command: a line break in the data
# or a property, ``::`` or ``,`` in a property, ``##[`` anywhere.
def test_github_escaping_of_a_finding_made_by_hand() -> None:
    f = Finding(
        "toc",
        "error",
        None,
        "a,b::c\r\n::error::x.md",
        1,
        "m\r\n::error file=x::injected ##[add-mask]s 100%0A",
        "e\n##[warning]w",
    )
    out = Result([f], 0, ["README.md"]).github()
    commands = _runner_commands(out)
    assert len(commands) == 1
    name, props, data = commands[0]
    assert (name, props) == (
        "error",
        {"file": "a,b::c\r\n::error::x.md", "line": "1", "title": "toc"},
    )
    assert data == (
        "m\r\n::error file=x::injected # #[add-mask]s 100%0A (the source says: e\n# #[warning]w)"
    )


# -- finding 5: a web link that is no valid URL ------------------------------------------

REVIEW_C = """\
# L

## Papers

- [T2](http://127.1:99999/) - x
- [T3](http://a:b@10.0.0.1/) - y
- [T4](http:///nohost) - z
- [T5](https://[::1) - w
"""


# Catches `check` saying "no problems in 0 entries" of the second auditor's C.md, whose
# links import reports as invalid (a port past 65535, a password, no host, an IPv6
# address never closed), and asking them.
def test_invalid_links_that_are_no_entry_are_findings(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "C.md").write_text(REVIEW_C, encoding="utf-8")
    r = run("check", "C.md")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == (
        "C.md\n"
        "      5  warning  link       The link http://127.1:99999/ is not a valid URL (port out of range 0-65535).\n"
        "                           the file says:    http://127.1:99999/\n"
        "      6  warning  link       The link http://…@10.0.0.1/ is not a valid URL (it holds a user name or password before its host, which the list publishes).\n"
        "                           the file says:    http://…@10.0.0.1/\n"
        "      7  warning  link       The link http:///nohost is not a valid URL (it names no host).\n"
        "                           the file says:    http:///nohost\n"
        "      8  warning  link       The link https://[::1 is not a valid URL (invalid IPv6 URL).\n"
        "                           the file says:    https://[::1\n"
        "\n"
        "C.md: 0 errors, 4 warnings in 0 entries.\n"
    )
    assert "a:b@" not in r.stdout  # the password is not repeated
    assert fakes.server.log == []
    ws = Workspace(tmp_path / "entries.toml")
    urls = ["http://127.1:99999/", "http://a:b@10.0.0.1/", "http:///nohost", "https://[::1"]
    assert cached(ws.cache, urls) == {}  # none was asked (every asked link is kept)


# Catches an entry's other links that are no valid URL passing without a finding while
# its good link is asked: each is a finding of that entry (its ID, its line), as the file
# writes it (markdown-it hands ``https://[::1`` over as ``https://:1%5B:``), never asked.
def test_an_entrys_invalid_other_links_are_its_findings(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    web = FakeWeb(fakes.server)
    ok = f"{web.server.url}/page/ok"
    bad = [
        "http://127.1:99999/x",
        "http://user:s3cret@h.example/",
        "https://[::1",
        "http://[fe80::1%25eth0]/",
        "https://%5B::1%5D/",
        "http:///x",
    ]
    links = " ".join(f"[l{i}]({u})" for i, u in enumerate(bad))
    (tmp_path / "README.md").write_text(
        "# L\n\n## Papers\n\n"
        "- [Training a Helpful and Harmless Assistant with Reinforcement Learning from Human "
        f"Feedback](https://arxiv.org/abs/2204.05862) - [Page]({ok}) {links}\n",
        encoding="utf-8",
    )
    r = run("check", "--format", "json", "README.md")
    assert (r.exit_code, r.stderr) == (0, "")
    found = [
        (f["rule"], f["id"], f["line"], f["found"], f["message"])
        for f in json.loads(r.stdout)["findings"]
    ]
    assert found == [
        ("link", "arxiv:2204.05862", 5, shown, f"The link {shown} is not a valid URL ({why}).")
        for shown, why in [
            ("http://127.1:99999/x", "port out of range 0-65535"),
            (
                "http://…@h.example/",
                "it holds a user name or password before its host, which the list publishes",
            ),
            ("https://[::1", "invalid IPv6 URL"),
            ("http://[fe80::1%25eth0]/", "its IPv6 zone names a network interface of one machine"),
            ("https://%5B::1%5D/", "port could not be cast to integer value as ':1%5D'"),
            ("http:///x", "it names no host"),
        ]
    ]
    assert "s3cret" not in r.stdout
    assert [q.path for q in fakes.server.log if q.path.startswith("/page/")] == ["/page/ok"]
    ws = Workspace(tmp_path / "entries.toml")
    assert list(cached(ws.cache, [ok, *bad])) == [ok]  # the good link alone was asked
    # An entry's check_ignore keeps them off it, as the rule's other findings.
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "L"\n\n[[sections]]\nslug = "papers"\ntitle = "Papers"\n\n'
        '[[entries]]\nid = "arxiv:2204.05862"\nsection = "papers"\ncheck_ignore = ["link"]\n',
        encoding="utf-8",
    )
    assert json.loads(run("check", "--format", "json", "README.md").stdout)["findings"] == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://example.org/a", None),
        ("HTTPS://Example.org/a", None),  # a scheme's case is no matter
        ("https://[::1]/", None),  # a valid URL (the address is the asking's business)
        ("https://:1%5B:", "port could not be cast to integer value as '1%5B:'"),  # markdown-it's
        ("https://%5B::1%5D/", "port could not be cast to integer value as ':1%5D'"),
        (
            "http://%5Bfe80::1%25eth0%5D/",
            "port could not be cast to integer value as ':1%25eth0%5D'",
        ),
        ("https://x.org:abc/", "port could not be cast to integer value as 'abc'"),
        ("https://", "it names no host"),
        ("https://example.org/a b", "it holds white space"),
        ("ftp://example.org/", None),  # no web link: the rule takes only http(s)
    ],
)
def test_invalid_is_entries_tomls_rule(url: str, why: str | None) -> None:
    from alignfetch.lint.weblinks import invalid

    assert invalid(url) == why
