"""Storage settings: defaults, environment parsing, one-line errors, eventsourcing env."""

from pathlib import Path

import pytest

from tenants.settings import StorageSettings


def test_defaults_are_the_embedded_sqlite_store_under_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = StorageSettings.from_env({})

    assert settings.backend == "sqlite"
    assert settings.data_dir == tmp_path / ".fundament"
    assert settings.platform_db_path == tmp_path / ".fundament" / "platform.db"
    assert settings.tenant_db_path("acme") == tmp_path / ".fundament" / "tenants" / "acme.db"
    assert (settings.host, settings.port, settings.dbname) == ("127.0.0.1", 5432, "fundament")
    assert (settings.user, settings.password, settings.schema) == ("postgres", "", "public")
    assert (settings.pool_size, settings.max_overflow, settings.app_cache_size) == (5, 5, 256)


def test_postgres_settings_are_read_from_the_environment() -> None:
    settings = StorageSettings.from_env(
        {
            "FUNDAMENT_STORE": "postgres",
            "FUNDAMENT_DATA_DIR": "/var/lib/fundament",
            "FUNDAMENT_PG_HOST": "db.internal",
            "FUNDAMENT_PG_PORT": "6432",
            "FUNDAMENT_PG_DBNAME": "prod",
            "FUNDAMENT_PG_USER": "svc",
            "FUNDAMENT_PG_PASSWORD": "s3cret",
            "FUNDAMENT_PG_SCHEMA": "fundament",
            "FUNDAMENT_PG_POOL_SIZE": "8",
            "FUNDAMENT_PG_LOCK_TIMEOUT": "2",
        }
    )

    assert settings.backend == "postgres"
    assert settings.data_dir == Path("/var/lib/fundament")
    assert settings.max_connections == 13
    assert settings.postgres_env() == {
        "PERSISTENCE_MODULE": "tenants.pool:SharedPoolFactory",
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6432",
        "POSTGRES_DBNAME": "prod",
        "POSTGRES_USER": "svc",
        "POSTGRES_PASSWORD": "s3cret",
        "POSTGRES_SCHEMA": "fundament",
        "POSTGRES_POOL_SIZE": "8",
        "POSTGRES_MAX_OVERFLOW": "5",
        "POSTGRES_APPLICATION_NAME": "fundament",
        "POSTGRES_LOCK_TIMEOUT": "2",
    }


def test_the_postgres_env_never_enables_db_functions() -> None:
    env = StorageSettings(backend="postgres").postgres_env()
    assert not any("ENABLE_DB_FUNCTIONS" in key for key in env)


def test_the_sqlite_env_names_the_file_and_the_recorder_that_keeps_receipts() -> None:
    env = StorageSettings().sqlite_env(Path("/tmp/x.db"))
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "APPLICATION_RECORDER_TOPIC": "tenants.receipts:SQLiteReceiptRecorder",
        "SQLITE_DBNAME": "/tmp/x.db",
    }


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FUNDAMENT_STORE": "mysql"}, "FUNDAMENT_STORE='mysql' is invalid: expected 'sqlite'"),
        ({"FUNDAMENT_PG_PORT": "five"}, "FUNDAMENT_PG_PORT='five' is invalid: expected an int"),
        ({"FUNDAMENT_PG_PORT": "70000"}, "port must be between 1 and 65535, not 70000"),
        ({"FUNDAMENT_PG_POOL_SIZE": "0"}, "pool_size must be between 1 and 1000, not 0"),
        ({"FUNDAMENT_PG_SCHEMA": "Bad-Schema"}, "schema 'Bad-Schema' is not a plain"),
    ],
)
def test_invalid_values_raise_a_one_line_value_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        StorageSettings.from_env(environ)
    assert "\n" not in str(raised.value)


def test_blank_values_fall_back_to_defaults() -> None:
    settings = StorageSettings.from_env({"FUNDAMENT_STORE": " ", "FUNDAMENT_PG_PORT": ""})
    assert (settings.backend, settings.port) == ("sqlite", 5432)
