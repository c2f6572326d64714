"""The gateway's settings, read from ``FUNDAMENT_*`` variables, checked before anything starts."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.settings import FlowSettings
from tenants.settings import StorageSettings

DEV_ISSUER = "https://fundament.invalid/dev"
DEFAULT_AUDIENCE = "fundament-api"
RateLimitStore = Literal["memory", "database"]


def _storage() -> StorageSettings:
    return StorageSettings.from_env(os.environ)


def _flow() -> FlowSettings:
    return FlowSettings.from_env(os.environ)


class GatewaySettings(BaseSettings):
    """How the REST gateway authenticates, limits and serves.

    ``environment = "development"`` allows the local development key pair (created on first
    use under the data directory); anywhere else the verification key must be configured
    and every development default is refused at start.
    """

    model_config = SettingsConfigDict(
        env_prefix="FUNDAMENT_", extra="ignore", arbitrary_types_allowed=True, frozen=True
    )

    environment: Literal["development", "production"] = "development"
    jwt_issuer: str = DEV_ISSUER
    jwt_audience: str = DEFAULT_AUDIENCE
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    jwt_algorithms: tuple[Literal["RS256", "ES256"], ...] = ("ES256", "RS256")
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    max_body_bytes: int = Field(default=65_536, ge=1_024, le=10_485_760)
    max_page_size: int = Field(default=100, ge=1, le=500)
    default_page_size: int = Field(default=25, ge=1, le=500)
    tenant_rate_limit: str = "1200/minute"
    client_rate_limit: str = "600/minute"
    # "memory": each machine counts for itself (its workers together); "database": every
    # gateway sharing the PostgreSQL database counts together, one round trip per request.
    rate_limit_store: RateLimitStore = "memory"
    freshness_wait_seconds: float = Field(default=2.0, ge=0, le=30)
    # 0: no purging in the background (then purge some other way, e.g. from a scheduled job).
    idempotency_purge_seconds: float = Field(default=600.0, ge=0, le=86_400)
    read_models_fed_by: Literal["gateway", "workers"] = "gateway"
    # fundament serve's workers: freeze long-lived objects this often (0: only at start),
    # and free the reference cycles among them this often (0: never); see gateway.heap.
    gc_freeze_seconds: float = Field(default=10.0, ge=0, le=86_400)
    gc_reclaim_seconds: float = Field(default=86_400.0, ge=0, le=31_536_000)
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    storage: StorageSettings = Field(default_factory=_storage)
    flow: FlowSettings = Field(default_factory=_flow)

    @model_validator(mode="after")
    def _refuse_development_defaults_outside_development(self) -> "GatewaySettings":
        if self.default_page_size > self.max_page_size:
            raise ValueError("FUNDAMENT_DEFAULT_PAGE_SIZE must not exceed FUNDAMENT_MAX_PAGE_SIZE")
        if self.rate_limit_store == "database" and self.storage.backend != "postgres":
            raise ValueError("FUNDAMENT_RATE_LIMIT_STORE=database needs FUNDAMENT_STORE=postgres")
        if self.environment == "development":
            return self
        problems = []
        if self.jwt_public_key_file is None and not self.jwt_jwks_url:
            problems.append("set FUNDAMENT_JWT_PUBLIC_KEY_FILE or FUNDAMENT_JWT_JWKS_URL")
        if self.jwt_issuer == DEV_ISSUER:
            problems.append("set FUNDAMENT_JWT_ISSUER to your identity provider's issuer")
        if self.jwt_jwks_url and not self.jwt_jwks_url.startswith("https://"):
            problems.append("FUNDAMENT_JWT_JWKS_URL must be an https:// URL")
        if not self.flow.reporting_key:
            problems.append("set FUNDAMENT_REPORTING_KEY (the built-in key only hides call ids)")
        if problems:
            raise ValueError(f"refusing to start in {self.environment}: " + "; ".join(problems))
        return self

    @property
    def dev_key_file(self) -> Path:
        """The development signing key (private, PEM), created on first use."""
        return Path(self.storage.data_dir) / "dev-jwt-key.pem"
