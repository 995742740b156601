"""The cache: Alembic owns the schema, the models agree with it, failures keep good data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from alignfetch import db
from alignfetch.models import Base
from alignfetch.records import Author, Paper
from alignfetch.sources import Fetched
from conftest import run

PAPER = Paper(
    id="arxiv:2305.01937", version=1, title="T", abstract="A", authors=(Author("X", ("U",)),),
    published="2023-05-03", updated="2023-05-03", primary_category="cs.CL", categories=("cs.CL",),
    comment=None, journal_ref=None, doi=None, url="https://arxiv.org/abs/2305.01937",
    pdf_url="https://arxiv.org/pdf/2305.01937",
)


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    engine = db.make_engine(db.sqlite_url(tmp_path / "c.sqlite"))
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision(str(engine.url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert "records" in inspect(engine).get_table_names()


def test_open_upgrades_a_database_that_is_behind(tmp_path: Path) -> None:
    url = db.sqlite_url(tmp_path / "c.sqlite")
    engine = db.make_engine(url)
    db.upgrade(engine, "base")  # an empty database: behind head
    cache = db.open_cache(url)
    assert db.current_revision(cache.engine) == db.head_revision(url)


def test_downgrade_and_upgrade_round_trip(tmp_path: Path) -> None:
    engine = db.make_engine(db.sqlite_url(tmp_path / "c.sqlite"))
    db.upgrade(engine)
    from alembic import command

    cfg = db.alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "records" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert "records" in inspect(engine).get_table_names()


def test_record_round_trip_and_aware_datetimes(tmp_path: Path) -> None:
    cache = db.open_cache(db.sqlite_url(tmp_path / "c.sqlite"))
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    cache.put([Fetched(PAPER, "<entry/>", "http://x", None)], now=now)
    assert cache.records([PAPER.id]) == {PAPER.id: PAPER}
    row = cache.get([PAPER.id])[PAPER.id]
    assert row.fetched_at == now and row.fetched_at.tzinfo is not None
    assert row.raw == "<entry/>"


def test_an_error_never_replaces_good_data(tmp_path: Path) -> None:
    cache = db.open_cache(db.sqlite_url(tmp_path / "c.sqlite"))
    cache.put([Fetched(PAPER, "<entry/>", "http://x", None)])
    cache.record_error({PAPER.id: "arXiv answered HTTP 503"})
    row = cache.get([PAPER.id])[PAPER.id]
    assert row.last_error == "arXiv answered HTTP 503" and row.error_count == 1
    assert cache.records([PAPER.id])[PAPER.id] == PAPER and row.raw == "<entry/>"


def test_cli_db_commands(tmp_path: Path) -> None:
    url = db.sqlite_url(tmp_path / "x.sqlite")
    assert run("--db", url, "db", "current").stdout.strip() == "empty"
    head = db.head_revision(url)
    assert run("--db", url, "db", "upgrade").stdout.strip() == head
    assert run("--db", url, "db", "current").stdout.strip() == head
