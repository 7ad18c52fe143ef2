from __future__ import annotations

import stat

import pytest

from bufdir_reporting.config import ConfigurationError, load_settings


def test_defaults_are_the_embedded_setup(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == "sqlite://var/bufdir.sqlite3"
    assert settings.broadcast_url == "memory://"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_every_setting_reads_the_bufdir_prefix(monkeypatch):
    monkeypatch.setenv("BUFDIR_DATABASE_URL", "postgresql://u:p@db.internal:5432/bufdir")
    monkeypatch.setenv("BUFDIR_BROADCAST_URL", "redis://cache:6379")
    monkeypatch.setenv("BUFDIR_PORT", "9000")
    settings = load_settings()
    assert settings.database_dialect == "postgres"
    assert settings.tortoise_db_url.startswith("postgres://u:p@db.internal:5432/bufdir?")
    assert settings.broadcast_url == "redis://cache:6379"
    assert settings.port == 9000


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BUFDIR_DATABASE_URL", "mysql://x/y", "BUFDIR_DATABASE_URL"),
        ("BUFDIR_DATABASE_URL", "postgres:///nohost", "BUFDIR_DATABASE_URL"),
        ("BUFDIR_BROADCAST_URL", "kafka://x", "BUFDIR_BROADCAST_URL"),
        ("BUFDIR_PORT", "not-a-port", "BUFDIR_PORT"),
    ],
)
def test_a_malformed_setting_is_one_message_naming_the_variable(monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert named in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_token_secret_is_generated_once_and_kept_private(tmp_path):
    first = load_settings(var_dir=tmp_path / "var").signing_secret
    again = load_settings(var_dir=tmp_path / "var").signing_secret
    assert first == again and len(first) >= 32
    mode = (tmp_path / "var" / "token-secret").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_a_configured_token_secret_is_used_and_nothing_is_written(tmp_path):
    settings = load_settings(var_dir=tmp_path / "var", token_secret="s" * 40)
    assert settings.signing_secret == "s" * 40
    assert not (tmp_path / "var").exists()


def test_messages_never_show_the_database_password(monkeypatch):
    monkeypatch.setenv("BUFDIR_DATABASE_URL", "postgres://bufdir:hunter2secret@db:5432/bufdir")
    assert load_settings().database_url_redacted == "postgres://bufdir:***@db:5432/bufdir"


def test_the_var_dir_moves_the_default_database_and_an_explicit_url_comes_first(monkeypatch, tmp_path):
    monkeypatch.setenv("BUFDIR_VAR_DIR", str(tmp_path / "state"))
    assert load_settings().database_url == f"sqlite://{tmp_path / 'state' / 'bufdir.sqlite3'}"
    monkeypatch.setenv("BUFDIR_DATABASE_URL", "sqlite://elsewhere.sqlite3")
    assert load_settings().database_url == "sqlite://elsewhere.sqlite3"
