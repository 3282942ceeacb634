"""`open_store`: which store a URL names, and where a SQLite file goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclob.store import SqliteStore, open_store
from openclob.store.postgres import PostgresStore
from tests.unit.store.conftest import POSTGRES_URL, _create_schema, _drop_schema, _postgres_admin


@pytest.mark.parametrize("url", [None, ""])
def test_no_url_means_a_sqlite_file_in_the_data_directory(tmp_path: Path, url: str | None) -> None:
    store = open_store(url, tmp_path / "data")
    store.close()
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "data" / "openclob.db"
    assert store.path.exists()


def test_a_relative_sqlite_url_is_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///sub.db", tmp_path / "unused")
    store.close()
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "sub.db"
    assert not (tmp_path / "unused").exists()


def test_an_absolute_sqlite_url_has_four_slashes(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/abs.db", tmp_path / "unused")
    store.close()
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "abs.db"


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://"])
def test_a_postgres_url_opens_a_postgres_store(scheme: str, tmp_path: Path) -> None:
    admin = _postgres_admin()  # skips when PostgreSQL is unreachable
    schema = _create_schema(admin)
    try:
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{scheme}{POSTGRES_URL.split('://', 1)[1]}{separator}options=-csearch_path%3D{schema}"
        store = open_store(url, tmp_path)
        store.close()
    finally:
        _drop_schema(admin, schema)
    assert isinstance(store, PostgresStore)
    assert store.url == url


def test_an_unknown_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported store URL"):
        open_store("mysql://localhost/db", tmp_path)
