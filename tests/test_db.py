"""The cache, on every backend (SQLite; PostgreSQL too when a server is given, see
conftest): Alembic owns the schema, the models agree with it, failures keep good
data, history columns tell the truth, unreadable rows count as missing, migrations
take turns, and no message shows a password."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from alignfetch.cache import db
from alignfetch.cache.models import Base, CachedRecord
from alignfetch.errors import AlignfetchError
from alignfetch.records import Author, Paper
from alignfetch.sources import Fetched
from conftest import Fakes, add_sections, rows, run

PAPER = Paper(
    id="arxiv:2305.01937",
    version=1,
    title="T",
    abstract="A",
    authors=(Author("X", ("U",)),),
    published="2023-05-03",
    updated="2023-05-03",
    primary_category="cs.CL",
    categories=("cs.CL",),
    comment=None,
    journal_ref=None,
    doi=None,
    url="https://arxiv.org/abs/2305.01937",
    pdf_url="https://arxiv.org/pdf/2305.01937",
)
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def paper(n: int, **changes: object) -> Paper:
    return dataclasses.replace(PAPER, id=f"arxiv:2301.{n:05d}", **changes)  # type: ignore[arg-type]


def test_migrations_build_the_schema_the_models_describe(db_url: str, backend: str) -> None:
    engine = db.make_engine(db_url)
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    columns = {c["name"]: str(c["type"]) for c in inspect(engine).get_columns("records")}
    if backend == "postgresql":
        assert columns["record"] == "JSONB"
        assert columns["fetched_at"] == columns["changed_at"] == "TIMESTAMP"
        with engine.connect() as conn:
            types = dict(
                conn.execute(
                    text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 'records' AND table_schema = current_schema()"
                    )
                ).all()
            )
        assert types["fetched_at"] == types["last_error_at"] == "timestamp with time zone"
        assert types["record"] == "jsonb"
    else:  # SQLite's schema is what 0.1.0 made
        assert columns["record"] == "JSON"
        assert columns["fetched_at"] == columns["last_error_at"] == "DATETIME"


def test_open_upgrades_a_database_that_is_behind(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine, "base")  # an empty database: behind head
    cache = db.open_cache(db_url)
    assert db.current_revision(cache.engine) == db.head_revision(db_url)


def test_downgrade_and_upgrade_round_trip(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    from alembic import command

    cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "records" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert "records" in inspect(engine).get_table_names()


def test_record_round_trip_and_aware_datetimes(db_url: str) -> None:
    cache = db.open_cache(db_url)
    cache.put([Fetched(PAPER, "<entry/>", "http://x", None)], now=T0)
    assert cache.records([PAPER.id]) == {PAPER.id: PAPER}
    row = cache.get([PAPER.id])[PAPER.id]
    assert row.fetched_at == T0 and row.fetched_at.tzinfo is UTC
    assert row.raw == "<entry/>"
    # Stored as UTC whatever zone the caller used.
    plus2 = datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    cache.touch([PAPER.id], now=plus2)
    assert cache.get([PAPER.id])[PAPER.id].fetched_at == T0
    with cache.engine.connect() as conn:
        stored = conn.execute(text("SELECT fetched_at FROM records")).scalar()
    assert (stored.replace(tzinfo=None) if isinstance(stored, datetime) else stored) in (
        datetime(2026, 1, 2, 3, 4, 5),
        "2026-01-02 03:04:05.000000",
    )


def test_an_error_never_replaces_good_data(db_url: str) -> None:
    cache = db.open_cache(db_url)
    cache.put([Fetched(PAPER, "<entry/>", "http://x", None)])
    cache.record_error({PAPER.id: "arXiv answered HTTP 503"})
    row = cache.get([PAPER.id])[PAPER.id]
    assert row.last_error == "arXiv answered HTTP 503" and row.error_count == 1
    assert cache.records([PAPER.id])[PAPER.id] == PAPER and row.raw == "<entry/>"


def test_history_columns_through_changes_failures_and_304s(db_url: str) -> None:
    cache = db.open_cache(db_url)

    def history() -> tuple[object, ...]:
        r = cache.get([PAPER.id])[PAPER.id]
        return (r.fetched_at, r.changed_at, r.error_count, r.last_error, r.last_error_at, r.etag)

    cache.put([Fetched(PAPER, "<entry/>", "http://x", '"e1"')], now=at(0))
    assert history() == (at(0), at(0), 0, None, None, '"e1"')
    # The same record fetched again: checked, not changed.
    cache.put([Fetched(PAPER, "<entry v='again'/>", "http://x", '"e1"')], now=at(1))
    assert history() == (at(1), at(0), 0, None, None, '"e1"')
    # Two failures: counted, the last one kept, the data and its dates untouched.
    cache.record_error({PAPER.id: "arXiv answered HTTP 503"}, now=at(2))
    cache.record_error({PAPER.id: "arXiv did not answer"}, now=at(3))
    assert history() == (at(1), at(0), 2, "arXiv did not answer", at(3), '"e1"')
    assert cache.records([PAPER.id])[PAPER.id] == PAPER
    # A 304: confirmed, the errors forgotten, still unchanged.
    cache.touch([PAPER.id], now=at(4))
    assert history() == (at(4), at(0), 0, None, None, '"e1"')
    # A real change moves changed_at, and a new ETag is kept.
    cache.record_error({PAPER.id: "boom"}, now=at(5))
    cache.put(
        [Fetched(dataclasses.replace(PAPER, title="T2"), "<e/>", "http://x", '"e2"')], now=at(6)
    )
    assert history() == (at(6), at(6), 0, None, None, '"e2"')
    # Errors and 304s for records the cache never held create nothing.
    cache.record_error({"arxiv:2301.00001": "boom"}, now=at(7))
    cache.touch(["arxiv:2301.00002"], now=at(7))
    assert set(cache.get(["arxiv:2301.00001", "arxiv:2301.00002", PAPER.id])) == {PAPER.id}


def test_a_failed_write_leaves_nothing_half_written(db_url: str) -> None:
    cache = db.open_cache(db_url)
    cache.put([Fetched(PAPER, "<entry/>", "http://x", None)], now=T0)
    before = rows(db_url)
    # 600 good records, then one the database refuses (raw is NOT NULL): all or nothing,
    # across the 500-row chunks too.
    items = [Fetched(paper(n), "<e/>", "http://x", None) for n in range(600)]
    items.append(Fetched(paper(999), None, "http://x", None))  # type: ignore[arg-type]
    items.insert(0, Fetched(dataclasses.replace(PAPER, title="New"), "<e/>", "http://x", None))
    with pytest.raises(AlignfetchError, match=r"^The cache at .* could not be written \("):
        cache.put(items, now=at(1))
    assert rows(db_url) == before
    # Any exception inside a session rolls it back.
    with pytest.raises(RuntimeError, match="stop"), cache.session() as s:
        s.add(
            CachedRecord(
                id="arxiv:2301.00001",
                kind="paper",
                record={},
                raw="",
                source_url="",
                fetched_at=T0,
                changed_at=T0,
                error_count=0,
            )
        )
        s.flush()
        raise RuntimeError("stop")
    assert rows(db_url) == before


def test_concurrent_writers_of_the_same_records_never_collide(db_url: str) -> None:
    db.open_cache(db_url)
    items = [Fetched(paper(n), "<e/>", "http://x", None) for n in range(200)]
    caches = [db.open_cache(db_url) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(caches))

    def write(cache: db.Cache) -> None:
        try:
            for _ in range(3):
                barrier.wait()
                cache.put(items)
        except BaseException as err:  # noqa: BLE001  # reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(c,)) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(caches[0].get(i.record.id for i in items)) == 200


# -- unreadable rows --------------------------------------------------------------


def corrupt(url: str, rid: str, json_text: str) -> None:
    cache = db.open_cache(url)
    cast = "CAST(:j AS jsonb)" if cache.shared else ":j"
    with cache.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE records SET record = {cast} WHERE id = :id"), {"j": json_text, "id": rid}
        )


BROKEN = {
    "missing fields": '{"kind": "paper", "id": "arxiv:2305.01937"}',
    "wrong type": '{"kind": "paper", "id": "arxiv:2305.01937", "version": "one", "title": "T",'
    ' "abstract": "A", "authors": [], "published": "", "updated": "", "primary_category": "",'
    ' "categories": [], "comment": null, "journal_ref": null, "doi": null, "url": "u",'
    ' "pdf_url": "p"}',
    "authors not a list of objects": '{"kind": "paper", "id": "arxiv:2305.01937", "version": 1,'
    ' "title": "T", "abstract": "A", "authors": ["Ann"], "published": "", "updated": "",'
    ' "primary_category": "", "categories": [], "comment": null, "journal_ref": null,'
    ' "doi": null, "url": "u", "pdf_url": "p"}',
    "a title that is a number": '{"kind": "paper", "id": "arxiv:2305.01937", "version": 1,'
    ' "title": 7, "abstract": "A", "authors": [], "published": "", "updated": "",'
    ' "primary_category": "", "categories": [], "comment": null, "journal_ref": null,'
    ' "doi": null, "url": "u", "pdf_url": "p"}',
    "unknown kind": '{"kind": "poem", "id": "arxiv:2305.01937"}',
    "not an object": "[1, 2]",
}


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_an_unreadable_row_counts_as_missing(db_url: str, how: str) -> None:
    cache = db.open_cache(db_url)
    other = paper(1)
    cache.put([Fetched(PAPER, "<e/>", "http://x", None), Fetched(other, "<e/>", "u", None)])
    corrupt(db_url, PAPER.id, BROKEN[how])
    assert set(cache.get([PAPER.id, other.id])) == {other.id}
    assert cache.records([PAPER.id, other.id]) == {other.id: other}
    cache.put([Fetched(PAPER, "<e/>", "http://x", None)], now=at(9))  # a fetch overwrites it
    assert cache.records([PAPER.id]) == {PAPER.id: PAPER}
    assert cache.get([PAPER.id])[PAPER.id].changed_at == at(9)


def test_text_that_is_not_json_counts_as_missing(tmp_path: Path) -> None:
    db_url = db.sqlite_url(tmp_path / "c.sqlite")  # PostgreSQL's JSONB holds only valid JSON
    cache = db.open_cache(db_url)
    cache.put([Fetched(PAPER, "<e/>", "http://x", None), Fetched(paper(1), "<e/>", "u", None)])
    corrupt(db_url, PAPER.id, '{"kind": "paper", tr')
    assert set(cache.get([PAPER.id, paper(1).id])) == {paper(1).id}


def test_commands_treat_an_unreadable_row_as_not_cached(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    assert run("--db", db_url, "add", "2305.01937", "-s", "evaluation").exit_code == 0
    corrupt(db_url, "arxiv:2305.01937", BROKEN["missing fields"])
    for command in (["list"], ["show", "2305.01937"]):
        result = run("--db", db_url, *command)
        assert (result.exit_code, result.stdout) == (1, ""), command
        assert result.stderr == (
            "alignfetch: The entry arxiv:2305.01937 is not in the cache yet; "
            "run `alignfetch refresh` to fetch it.\n"
        ), command
    # export and render show it as entries.toml has it, and name it.
    for command in (["export"], ["render"]):
        result = run("--db", db_url, *command)
        assert result.exit_code == 0 and "arxiv:2305.01937" in result.stdout, command
        assert result.stderr == (
            "alignfetch: warning: 1 entry has no cached record yet and is shown as entries.toml "
            "has it: arxiv:2305.01937; run `alignfetch refresh`.\n"
        ), command
    before = fakes.arxiv_requests()
    # Fresh by its date, but unreadable: refresh fetches it again and overwrites it.
    result = run("--db", db_url, "refresh")
    assert result.exit_code == 0, result.stderr
    assert fakes.arxiv_requests() == before + 1
    listed = run("--db", db_url, "list")
    assert listed.exit_code == 0
    assert listed.stdout.startswith("arxiv:2305.01937\tevaluation\t2023-05-03\tCan Large")


def test_add_fetches_and_overwrites_an_unreadable_row(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    cache = db.open_cache(db_url)
    cache.put([Fetched(PAPER, "<e/>", "http://x", None)])
    corrupt(db_url, PAPER.id, "[]")
    result = run("--db", db_url, "add", "2305.01937", "-s", "evaluation")
    assert result.exit_code == 0, result.stderr
    assert "Can Large Language Models Be an Alternative to Human Evaluations?" in result.stdout
    assert cache.records([PAPER.id])[PAPER.id].title.startswith("Can Large Language")


# -- the CLI's db commands, migrations under a lock ----------------------------------


def test_cli_db_commands(db_url: str) -> None:
    assert run("--db", db_url, "db", "current").stdout.strip() == "empty"
    head = db.head_revision(db_url)
    assert run("--db", db_url, "db", "upgrade").stdout.strip() == head
    assert run("--db", db_url, "db", "current").stdout.strip() == head


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alignfetch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def test_three_upgrades_at_once_on_a_new_cache_all_succeed(db_url: str) -> None:
    head = db.head_revision(db_url)
    procs = [_cli("--db", db_url, "db", "upgrade") for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [(p.returncode, out, err) for p, (out, err) in zip(procs, outs, strict=True)] == [
        (0, f"{head}\n", "")
    ] * 3


def test_an_upgrade_waits_for_the_migration_lock(db_url: str, backend: str) -> None:
    engine = db.make_engine(db_url)
    if backend == "sqlite":
        from filelock import FileLock

        held = FileLock(f"{engine.url.database}.lock")
        held.acquire()
        release = held.release
    else:
        conn = engine.connect()
        conn.execute(
            text("SELECT pg_advisory_lock(CAST(:k AS bigint))"),
            {"k": db.lock_key("alignfetch:migrate")},
        )

        def release() -> None:
            conn.execute(
                text("SELECT pg_advisory_unlock(CAST(:k AS bigint))"),
                {"k": db.lock_key("alignfetch:migrate")},
            )
            conn.close()

    upgrading = threading.Thread(target=db.upgrade, args=(db.make_engine(db_url),))
    try:
        upgrading.start()
        upgrading.join(timeout=1.5)
        assert upgrading.is_alive()  # waiting, having migrated nothing
        assert "records" not in inspect(engine).get_table_names()
    finally:
        release()
    upgrading.join(timeout=60)
    assert not upgrading.is_alive()
    assert db.current_revision(engine) == db.head_revision(db_url)


# -- passwords ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://alice:s3cr%40tpw@127.0.0.1:9/list",  # nothing listens on port 9
        "postgresql+psycopg://alice:s3cr@tpw@127.0.0.1:notaport/list",  # not a valid URL at all
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["db", "current"],
        ["db", "upgrade"],
        ["list"],
        ["refresh"],
        ["add", "2305.01937", "-s", "evaluation"],
    ],
)
def test_no_message_shows_the_password(
    fakes: Fakes, listdir: Path, url: str, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (listdir / "entries.toml").write_text(
        (listdir / "entries.toml").read_text() + '\n[[entries]]\nid = "arxiv:2306.05685"\n'
        'section = "safety"\n'
    )
    for how in ("flag", "env"):
        if how == "env":
            monkeypatch.setenv("ALIGNFETCH_DB", url)
            result = run(*command)
        else:
            result = run("--db", url, *command)
        assert result.exit_code == 1, (how, result.stderr)
        assert "s3cr" not in result.stderr and "tpw" not in result.stderr
        assert "s3cr" not in result.stdout
        assert result.stderr.startswith(
            "alignfetch: The cache at postgresql+psycopg://alice:***@127.0.0.1:"
        )
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_every_command_works_on_each_backend(fakes: Fakes, listdir: Path, db_url: str) -> None:
    add_sections(listdir)
    for step in (
        ["add", "2305.01937", "2306.05685", "-s", "evaluation", "--venue", "ACL 2023"],
        ["add", "hf:Anthropic/hh-rlhf", "-s", "english"],
        ["add", "https://github.com/CarperAI/trlx", "-s", "rlhf"],
        ["refresh", "--all", "--dry-run"],
        ["refresh", "--all"],
        ["remove", "2306.05685"],
    ):
        result = run("--db", db_url, *step)
        assert result.exit_code == 0, (step, result.stderr)
    assert run("--db", db_url, "list").stdout.splitlines() == [
        "arxiv:2305.01937\tevaluation\t2023-05-03\tCan Large Language Models Be an Alternative "
        "to Human Evaluations?",
        "hf:Anthropic/hh-rlhf\tenglish\t2022-04-12\tAnthropic/hh-rlhf",
        "gh:CarperAI/trlx\trlhf\t\ttrlx",
    ]
    shown = json.loads(run("--db", db_url, "show", "arxiv:2305.01937", "--json").stdout)
    assert (shown["venue"], shown["authors"]) == ("ACL 2023", ["Cheng-Han Chiang", "Hung-yi Lee"])
    exported = json.loads(run("--db", db_url, "export").stdout)
    assert [e["id"] for e in exported["entries"]] == [
        "arxiv:2305.01937",
        "hf:Anthropic/hh-rlhf",
        "gh:CarperAI/trlx",
    ]
    assert "Can Large Language Models" in run("--db", db_url, "render").stdout
    assert run("--db", db_url, "sections").exit_code == 0
    assert run("--db", db_url, "db", "current").stdout == f"{db.head_revision(db_url)}\n"
    assert not (listdir / ".alignfetch" / "cache.sqlite").exists()  # all in the --db cache


def test_a_missing_database_driver_is_named(listdir: Path) -> None:
    result = run("--db", "postgresql+pg8000://bob:hunter2@127.0.0.1/x", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "alignfetch: The cache at postgresql+pg8000://bob:***@127.0.0.1/x needs the Python module "
        "pg8000, which is not installed; install it (for PostgreSQL and psycopg: "
        "pip install 'alignfetch[postgres]').\n"
    )


def test_a_password_given_as_a_query_parameter_is_hidden_too(listdir: Path) -> None:
    """libpq also takes ``?password=``: a message once showed it in clear."""
    url = "postgresql+psycopg://alice@127.0.0.1:9/list?sslmode=disable&password=s3cr3tq"
    assert db.shown(url) == (
        "postgresql+psycopg://alice@127.0.0.1:9/list?password=***&sslmode=disable"
    )
    result = run("--db", url, "list")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "s3cr3tq" not in result.stderr and "password=***" in result.stderr
