"""kioskhub settings: defaults, environment, TOML file, errors that name the setting."""

from __future__ import annotations

import pytest

from hub.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("KIOSKHUB_"):
            monkeypatch.delenv(key)


def test_defaults_bind_localhost_8780_with_sqlite_in_the_data_dir():
    s = load_settings()
    assert (s.host, s.port) == ("127.0.0.1", 8780)
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("var/hub/kioskhub.sqlite3")


def test_environment_wins_over_the_file(tmp_path, monkeypatch):
    config = tmp_path / "hub.toml"
    config.write_text('[hub]\nport = 9000\ndata_dir = "elsewhere"\n')
    monkeypatch.setenv("KIOSKHUB_CONFIG", str(config))
    monkeypatch.setenv("KIOSKHUB_PORT", "9100")
    s = load_settings()
    assert (s.port, str(s.data_dir)) == (9100, "elsewhere")


def test_postgres_urls_use_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("KIOSKHUB_DATABASE_URL", "postgresql://hub@db/hub")
    assert load_settings().db_url == "postgresql+psycopg://hub@db/hub"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"KIOSKHUB_PORT": "0"}, "KIOSKHUB_PORT"),
        ({"KIOSKHUB_DATABASE_URL": "mysql://x"}, "KIOSKHUB_DATABASE_URL"),
        ({"KIOSKHUB_MAX_FILES": "many"}, "KIOSKHUB_MAX_FILES"),
        ({"KIOSKHUB_CONFIG": "/nonexistent/hub.toml"}, "KIOSKHUB_CONFIG"),
        ({"KIOSKHUB_MATERIAL_GRACE_SECONDS": "0"}, "KIOSKHUB_MATERIAL_GRACE_SECONDS"),
        ({"KIOSKHUB_MATERIAL_SWEEP_SECONDS": "0"}, "KIOSKHUB_MATERIAL_SWEEP_SECONDS"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_database_password_is_not_echoed(monkeypatch):
    monkeypatch.setenv("KIOSKHUB_DATABASE_URL", "mysql://u:s3cret@x/db")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "s3cret" not in str(err.value)


def test_a_name_that_is_no_setting_is_refused_with_the_closest_one(monkeypatch):
    # KIOSKHUB_DATA_DIRR would otherwise serve a new, empty hub from ./var/hub
    monkeypatch.setenv("KIOSKHUB_DATA_DIRR", "/var/lib/kioskhub")
    with pytest.raises(ConfigError, match=r"KIOSKHUB_DATA_DIRR: not a setting; did you mean KIOSKHUB_DATA_DIR\?"):
        load_settings()


def test_type_errors_say_what_is_allowed(monkeypatch):
    monkeypatch.setenv("KIOSKHUB_PORT", "eighty")
    with pytest.raises(ConfigError, match="KIOSKHUB_PORT: must be a whole number from 1 to 65535"):
        load_settings()


def test_unknown_keys_in_the_file_get_the_closest_name(tmp_path, monkeypatch):
    config = tmp_path / "hub.toml"
    config.write_text("[hub]\nprot = 9000\n")
    monkeypatch.setenv("KIOSKHUB_CONFIG", str(config))
    with pytest.raises(ConfigError, match="unknown setting 'prot'; did you mean 'port'"):
        load_settings()
