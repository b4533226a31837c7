"""Settings shared by every service.

A service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``IDENTITY_``...);
shared infrastructure (Kafka, OTLP) is read unprefixed, as CONVENTIONS.md asks.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otlp_endpoint"),
    )
    log_json: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("LOG_JSON", "log_json"),
        description="JSON log lines; None chooses by whether stderr is a terminal.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))
    http_max_body_bytes: int = 1_048_576
    outbox_batch_size: int = 200
    outbox_poll_interval_s: float = 0.05
    consumer_batch_size: int = Field(
        default=200, ge=1, description="Most records a consumer takes from one fetch."
    )
    consumer_max_attempts: int = 5
    consumer_backoff_initial_s: float = 0.2
    consumer_backoff_max_s: float = 5.0
