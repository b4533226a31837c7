"""How a process reaches a TLS broker and where it listens, from its settings."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from servicekit.http import bind_host
from servicekit.settings import ServiceSettings


def _ca(path: Path) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cluster-ca")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_sasl_ssl_checks_the_brokers_against_the_ca_file(tmp_path: Path) -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="mandates",
        kafka_sasl_password="secret",
        kafka_ssl_cafile=_ca(tmp_path / "ca.crt"),
    )
    context = settings.kafka_security()["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    subjects = [dict(x[0] for x in ca["subject"]) for ca in context.get_ca_certs()]
    assert {"commonName": "cluster-ca"} in subjects
    faststream = settings.faststream_security()["security"]
    assert faststream.ssl_context is not None
    assert faststream.use_ssl


def test_a_missing_ca_file_is_an_error_at_start_not_a_silent_plain_connection(
    tmp_path: Path,
) -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=str(tmp_path / "absent.crt")
    )
    with pytest.raises(FileNotFoundError):
        settings.kafka_security()


def test_sasl_plaintext_has_no_tls() -> None:
    settings = ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT")
    assert "ssl_context" not in settings.kafka_security()
    assert settings.faststream_security()["security"].ssl_context is None


def test_processes_listen_on_loopback_unless_bind_host_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BIND_HOST", raising=False)
    assert bind_host() == "127.0.0.1"
    monkeypatch.setenv("BIND_HOST", "0.0.0.0")
    assert bind_host() == "0.0.0.0"
