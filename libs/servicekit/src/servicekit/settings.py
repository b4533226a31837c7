"""Settings shared by every service.

A service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``IDENTITY_``...);
shared infrastructure (Kafka, OTLP, the environment's name) is read unprefixed, as the
conventions ask. Kafka credentials are per service principal, so each process gets its own
``KAFKA_SASL_USERNAME`` and ``KAFKA_SASL_PASSWORD``.
"""

from __future__ import annotations

import ssl
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.logging import register_secret


def _shared(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class ServiceSettings(BaseSettings):
    """Settings whose field is declared ``repr=False`` are secrets: their values are registered
    with :func:`servicekit.logging.register_secret` as soon as the settings are read."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    def model_post_init(self, context: Any, /) -> None:
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if not info.repr and isinstance(value, str):
                register_secret(value)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=_shared("ENVIRONMENT")
    )
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    migrate_on_start: bool = Field(
        default=True,
        description="Apply the migrations at start-up (one copy at a time); otherwise wait "
        "until another process has brought the schema to head.",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=_shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias=_shared("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = Field(
        default="SCRAM-SHA-512", validation_alias=_shared("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str = Field(default="", validation_alias=_shared("KAFKA_SASL_USERNAME"))
    kafka_sasl_password: str = Field(
        default="", repr=False, validation_alias=_shared("KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: str = Field(
        default="",
        validation_alias=_shared("KAFKA_SSL_CAFILE"),
        description="With SASL_SSL, the CA certificate (PEM) the brokers' certificates are "
        "checked against; empty: the system's trusted CAs.",
    )
    otlp_endpoint: str | None = Field(
        default=None, validation_alias=_shared("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    log_json: bool | None = Field(
        default=None,
        validation_alias=_shared("LOG_JSON"),
        description="JSON log lines; None chooses by whether stderr is a terminal.",
    )
    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))
    jwks_ttl_s: float = Field(
        default=300.0, gt=0, description="How long identity's key set is used before a refresh."
    )
    jwks_grace_s: float = Field(
        default=900.0,
        ge=0,
        description="How long past its ttl the last good key set keeps serving while identity "
        "cannot be reached; after it, authenticated calls get 503 with Retry-After.",
    )
    http_max_body_bytes: int = 1_048_576
    outbox_batch_size: int = 200
    outbox_poll_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="How often the relay looks for rows nobody rang for (the doorbell wakes it "
        "at each commit; the poll is the fallback, and never longer than half the lease).",
    )
    outbox_doorbell_host: str = Field(
        default="127.0.0.1",
        description="The address the relay's doorbell listens on, reachable by every copy of "
        "the service (the pod's address in production); empty: no doorbell, the poll alone.",
    )
    outbox_max_row_attempts: int = Field(
        default=5, ge=1, description="Failures of a row's own making before it is parked."
    )
    outbox_lease_ttl_s: float = Field(default=10.0, gt=0)
    outbox_send_timeout_s: float = Field(
        default=20.0, gt=0, description="A batch not acknowledged within it is a failure."
    )
    outbox_producer_stall_after: int = Field(
        default=3, ge=1, description="Consecutive failures after which the producer is recreated."
    )
    consumer_batch_size: int = Field(
        default=200, ge=1, description="Most records a consumer takes from one fetch."
    )
    consumer_max_attempts: int = 5
    consumer_backoff_initial_s: float = 0.2
    consumer_backoff_max_s: float = 5.0
    consumer_commit_interval_s: float = 0.2
    consumer_wait_ms: int = Field(
        default=2000,
        ge=10,
        description="How long a consumer waits on the broker before looking again; records "
        "are handed over as they arrive, so this only bounds an idle consumer's wake-ups (and "
        "how late a retried record may come back: its fetch waits for the one in flight).",
    )
    consumer_drain_timeout_s: float = 20.0
    outbox_retention_days: float = 7
    inbox_retention_days: float = 30
    dead_letters_retention_days: float = 90
    retention_interval_s: float = 3600.0
    dlq_replay_interval_s: float = Field(
        default=10.0,
        gt=0,
        description="How often the worker looks for a replay an operator asked for.",
    )
    idempotency_ttl_hours: float = Field(
        default=24, gt=0, description="How long the answer to an Idempotency-Key is kept."
    )
    liveness_stall_after_s: float = Field(
        default=300.0, description="A step of a loop running longer fails /health/live."
    )

    def kafka_security(self) -> dict[str, Any]:
        """aiokafka's security arguments (empty for a PLAINTEXT broker)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        security: dict[str, Any] = {
            "security_protocol": self.kafka_security_protocol,
            "sasl_mechanism": self.kafka_sasl_mechanism,
            "sasl_plain_username": self.kafka_sasl_username,
            "sasl_plain_password": self.kafka_sasl_password,
        }
        if self.kafka_security_protocol == "SASL_SSL":
            security["ssl_context"] = self.kafka_ssl_context()
        return security

    def kafka_ssl_context(self) -> ssl.SSLContext:
        """The TLS context of a SASL_SSL broker: certificates and host names checked, against
        ``KAFKA_SSL_CAFILE`` when set."""
        context = ssl.create_default_context(cafile=self.kafka_ssl_cafile or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def faststream_security(self) -> dict[str, Any]:
        """FastStream's ``security`` argument for the same broker."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        from faststream.security import SASLScram256, SASLScram512

        cls = SASLScram512 if self.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return {
            "security": cls(
                self.kafka_sasl_username,
                self.kafka_sasl_password,
                ssl_context=(
                    self.kafka_ssl_context() if self.kafka_security_protocol == "SASL_SSL" else None
                ),
            )
        }
