"""Settings: every knob comes from an environment variable prefixed ``BUFDIR_``.

The embedded default needs no services: a SQLite file and the token secret live under
``BUFDIR_VAR_DIR`` (``./var/``) and pub/sub runs in memory. Production points ``BUFDIR_DATABASE_URL`` at PostgreSQL
and ``BUFDIR_BROADCAST_URL`` at Redis (or PostgreSQL LISTEN/NOTIFY).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATABASE_SCHEMES = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres", "asyncpg": "postgres"}
BROADCAST_SCHEMES = {"memory", "redis", "rediss", "postgres", "postgresql"}

Permission = Literal["read", "write", "review", "admin"]
Acr = Literal["idporten-loa-substantial", "idporten-loa-high"]
MASKINPORTEN_SCOPES: dict[str, list[Permission]] = {
    "bufdir:rapportering.read": ["read"],
    "bufdir:rapportering.write": ["read", "write"],
    "bufdir:rapportering.admin": ["read", "write", "review", "admin"],
}
LEAST_ACR: dict[str, Acr] = {
    "coordinator": "idporten-loa-substantial",
    "reviewer": "idporten-loa-substantial",
    "admin": "idporten-loa-high",
}


class ConfigurationError(Exception):
    """A setting is malformed; the message names the variable and what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUFDIR_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = Field(default="", description="default: sqlite://VAR_DIR/bufdir.sqlite3")
    database_pool_max: int = Field(default=10, ge=1)
    database_timeout_seconds: float = Field(
        default=5, gt=0, description="PostgreSQL: a request waits at most this for a connection, and for each statement"
    )
    database_long_timeout_seconds: float = Field(
        default=3600,
        gt=0,
        description="the same for long work: imports, aggregation runs, background jobs, CLI commands, migrations",
    )
    broadcast_url: str = "memory://"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token_secret: SecretStr | None = None
    metrics_token: SecretStr | None = Field(default=None, description="when set, /metrics wants it as a bearer token")
    token_issuer: str = "bufdir-reporting"
    token_audience: str = "bufdir-reporting-api"
    token_ttl_hours: int = Field(default=12, ge=1)
    token_jwks_url: str | None = Field(default=None, description="identity provider's JWKS for RS256/ES256 tokens")
    token_jwks_refresh_seconds: float = Field(
        default=30, ge=0, description="least time between two JWKS fetches for unknown kids"
    )
    token_jwks_file: Path | None = Field(default=None, description="a JWKS file instead of a URL")
    # Maskinporten (Digdir): system-to-system tokens naming the consumer organisation by number.
    maskinporten_issuer: str | None = Field(
        default=None, description="e.g. https://maskinporten.no/; unset turns Maskinporten off"
    )
    maskinporten_metadata_url: str | None = Field(
        default=None, description="its .well-known/oauth-authorization-server document (gives the JWKS URL)"
    )
    maskinporten_jwks_url: str | None = None
    maskinporten_jwks_file: Path | None = None
    maskinporten_audience: str | None = Field(
        default=None, description="the resource (aud) a token must name; unset: a token without aud is taken"
    )
    maskinporten_scopes: dict[str, list[Permission]] = Field(
        default_factory=lambda: dict(MASKINPORTEN_SCOPES), description="scope -> the permissions it grants (JSON object)"
    )
    # ID-porten (Digdir): people, by national identity number (pid), assigned in this service.
    idporten_issuer: str | None = Field(default=None, description="e.g. https://idporten.no; unset turns ID-porten off")
    idporten_metadata_url: str | None = None
    idporten_jwks_url: str | None = None
    idporten_jwks_file: Path | None = None
    idporten_audience: str | None = Field(default=None, description="the audience (aud) a token must name, when set")
    idporten_scope: str | None = Field(default=None, description="a scope an ID-porten token must carry, when set")
    idporten_min_acr: dict[str, Acr] = Field(
        default_factory=lambda: dict(LEAST_ACR),
        description="role -> the least security level (acr) a person's token needs for it",
    )
    pid_hash_key: SecretStr | None = Field(
        default=None,
        description="HMAC key under which national identity numbers are stored (default: derived from the token secret)",
    )
    graphiql: bool = True
    cors_origins: list[str] = Field(default_factory=list, description='JSON list, e.g. ["https://app.example.no"]')
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=20_971_520, ge=1024, description="a file upload (activity import) may be this large")
    graphql_introspection: bool = True
    graphql_max_depth: int = Field(default=12, ge=2)
    # Repeated reads answered from memory under the data version (response_cache); 0 turns it off
    response_cache_mb: int = Field(default=64, ge=0, le=65_536)
    # Known read shapes answered by one SQL statement on PostgreSQL (schema.compiled); off: the executor
    graphql_compiled_reads: bool = True
    graphql_max_tokens: int = Field(default=3000, ge=10)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_cost: int = Field(default=50_000, ge=10)
    graphql_connection_init_seconds: float = Field(
        default=10, gt=0, description="websocket clients must send connection_init within this"
    )
    graphql_max_subscriptions: int = Field(default=20, ge=1, description="per websocket connection")
    live_subscriptions_per_principal: int = Field(
        default=100,
        ge=1,
        description="live subscriptions (websocket operations and SSE watches together) one principal may hold in one process",
    )
    websocket_connections_per_principal: int = Field(
        default=100,
        ge=1,
        description="websocket connections one principal (an anonymous caller: per address) may hold open in one process",
    )
    report_store_dir: Path | None = Field(default=None, description="root of the report file store (default: VAR_DIR/reports)")
    shutdown_grace_seconds: int = Field(default=20, ge=1, description="in-flight requests get this long to finish on SIGTERM")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="json lines, or a readable console format; auto: console on a terminal, json otherwise"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    sse_heartbeat_seconds: float = Field(default=15, gt=0)
    websocket_send_timeout_seconds: float = Field(
        default=10, gt=0, description="a websocket that takes no data for this long is dropped, with its subscriptions"
    )
    websocket_max_message_bytes: int = Field(
        default=1_048_576, ge=1024, description="a websocket message above this closes the connection (1009)"
    )
    subscriber_queue_size: int = Field(default=256, ge=1, description="events a live client may fall behind before it is dropped")
    event_relay_seconds: float = Field(
        default=1, ge=0, description="how often a replica relays from the event log what pub/sub lost; 0 turns it off"
    )
    max_page_size: int = Field(default=100, ge=1)
    max_range_days: int = Field(default=400, ge=1)
    time_zone: str = Field(
        default="Europe/Oslo", description="whose calendar days periods are, and how a time without an offset is read"
    )
    stale_job_seconds: int = Field(default=300, ge=1)
    auto_reaggregate_seconds: float = Field(default=0, ge=0, description="0 turns automatic re-aggregation off")
    change_warning_percent: int = Field(
        default=50, ge=1, description="warn when a value moves more than this against the prior period"
    )
    outlier_z_threshold: float = Field(
        default=3.5, gt=0, le=100, description="a value is an outlier beyond this modified z-score (Iglewicz and Hoaglin)"
    )
    outlier_min_deviation: float = Field(
        default=5, ge=0, description="a value this close to the median (absolute) is never an outlier, whatever its score"
    )
    outlier_history_periods: int = Field(
        default=8, ge=2, le=40, description="how many prior periods of the same type an organisation is compared with"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value  # unset: under var_dir (_database_under_var_dir)
        scheme = urlsplit(value).scheme
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(f"BUFDIR_DATABASE_URL must start with sqlite:// or postgres://, got {value!r}")
        if DATABASE_SCHEMES[scheme] == "sqlite" and not value[len("sqlite://") :]:
            raise ValueError("BUFDIR_DATABASE_URL names no SQLite file (sqlite://PATH)")
        if DATABASE_SCHEMES[scheme] == "postgres" and not urlsplit(value).hostname:
            raise ValueError(f"BUFDIR_DATABASE_URL names no PostgreSQL host: {value!r}")
        return value

    @model_validator(mode="after")
    def _database_under_var_dir(self) -> Settings:
        """Without BUFDIR_DATABASE_URL the embedded database lives under BUFDIR_VAR_DIR, with the
        token secret and the reports (it stayed in ./var whatever the var dir said)."""
        if not self.database_url:
            self.database_url = f"sqlite://{self.var_dir / 'bufdir.sqlite3'}"
        return self

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"BUFDIR_TIME_ZONE must be an IANA time zone such as Europe/Oslo, got {value!r}") from None
        return value

    @field_validator("broadcast_url")
    @classmethod
    def _known_broadcast(cls, value: str) -> str:
        if urlsplit(value).scheme not in BROADCAST_SCHEMES:
            raise ValueError(f"BUFDIR_BROADCAST_URL must be memory://, redis:// or postgres://, got {value!r}")
        return value

    @property
    def database_dialect(self) -> str:
        return DATABASE_SCHEMES[urlsplit(self.database_url).scheme]

    @property
    def report_store_root(self) -> Path:
        return self.report_store_dir or self.var_dir / "reports"

    @property
    def database_url_redacted(self) -> str:
        """The database URL fit for messages and logs: any password replaced by ***."""
        parts = urlsplit(self.database_url)
        if not parts.password:
            return self.database_url
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()

    @property
    def sqlite_path(self) -> Path | None:
        if self.database_dialect != "sqlite":
            return None
        return Path(self.database_url[len("sqlite://") :])

    @property
    def tortoise_db_url(self) -> str:
        """The URL in the form Tortoise expects (``postgres://`` selects asyncpg)."""
        parts = urlsplit(self.database_url)
        if self.database_dialect == "postgres":
            query = f"{parts.query}&" if parts.query else ""
            return parts._replace(scheme="postgres", query=f"{query}maxsize={self.database_pool_max}").geturl()
        return self.database_url

    @cached_property
    def signing_secret(self) -> str:
        """The HS256 secret: configured, or generated once and kept under ``var_dir``."""
        if self.token_secret is not None:
            return self.token_secret.get_secret_value()
        path = self.var_dir / "token-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()

    @cached_property
    def public_id_key(self) -> bytes:
        """The key that turns activities' row ids into public ids nobody can guess or count
        (derived from the signing secret: rotating that secret changes every activity's public id)."""
        return hmac.new(self.signing_secret.encode(), b"bufdir-reporting public ids", hashlib.sha256).digest()[:16]

    @cached_property
    def pid_key(self) -> bytes:
        """The key of the persons' identity-number hashes: configured, or derived from the signing
        secret (then rotating that secret makes every assigned person unknown)."""
        if self.pid_hash_key is not None:
            return self.pid_hash_key.get_secret_value().encode()
        return hmac.new(self.signing_secret.encode(), b"bufdir-reporting person ids", hashlib.sha256).digest()


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; a malformed value becomes one ``ConfigurationError`` line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"BUFDIR_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors())
        raise ConfigurationError(problems) from None
