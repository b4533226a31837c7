"""Values registered as secrets are masked wherever they appear in a log line: any field, the
event text, nested values, exception text and tracebacks, structlog's lines and the stdlib's."""

import json
import logging
import secrets
from collections.abc import Iterator

import pytest
import structlog
from servicekit import logging as kit_logging
from servicekit.logging import MASK, configure_logging, get_logger, register_secret


@pytest.fixture
def lines() -> Iterator[None]:
    """Logging configured in the test itself (capsys replaces stderr only while it runs)."""
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _logged(capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, object]]]:
    text = capsys.readouterr().err
    return text, [json.loads(line) for line in text.strip().splitlines()]


def _deliver(link: str) -> None:
    raise ValueError(f"the link {link} failed")


def _send(token: str) -> None:
    raise RuntimeError(f"refused {token}")


def _secret() -> str:
    return secrets.token_urlsafe(32)


def test_a_secret_inside_an_exception_logged_with_exc_info_is_masked(
    lines: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("mandates", json=True)
    secret = _secret()
    register_secret(secret)
    try:
        _deliver(f"https://mon-compte.example/activation?t={secret}")
    except ValueError:
        get_logger().error("delivery_failed", exc_info=True)
    text, [line] = _logged(capsys)
    assert secret not in text
    assert "ValueError" in str(line["exception"])
    assert f"activation?t={MASK} failed" in str(line["exception"])


def test_the_stdlibs_lines_and_their_tracebacks_are_masked_too(
    lines: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("mandates", json=True)
    secret = _secret()
    register_secret(secret)
    try:
        _send(secret)
    except RuntimeError:
        logging.getLogger("aiokafka.something").exception("send failed for %s", secret)
    text, [line] = _logged(capsys)
    assert secret not in text
    assert line["event"] == f"send failed for {MASK}"
    assert f"refused {MASK}" in str(line["exception"])


def test_a_secret_is_masked_in_any_field_the_event_text_and_nested_values(
    lines: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("mandates", json=True)
    key = "ABCDE-FGHJK-LMNPQ"
    register_secret(key)
    get_logger().info(
        f"key {key} issued", detail=f"letter with {key}", extra={"items": [key, "kept"]}
    )
    text, [line] = _logged(capsys)
    assert key not in text
    assert line["event"] == f"key {MASK} issued"
    assert line["detail"] == f"letter with {MASK}"
    assert line["extra"] == {"items": [MASK, "kept"]}


def test_values_not_registered_and_too_short_to_be_secrets_are_left(
    lines: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("mandates", json=True)
    assert register_secret("short") is False
    assert register_secret(None) is False
    get_logger().info("siret 12345678900011 short kept", value="short")
    _, [line] = _logged(capsys)
    assert line["event"] == "siret 12345678900011 short kept"
    assert line["value"] == "short"


def test_the_registry_is_bounded_the_oldest_secrets_leave_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = kit_logging.SecretRegistry(capacity=3)
    monkeypatch.setattr(kit_logging, "SECRETS", registry)
    values = [_secret() for _ in range(4)]
    for value in values:
        register_secret(value)
    assert len(registry) == 3
    assert registry.mask(values[0]) == values[0]
    assert registry.mask(" ".join(values[1:])) == " ".join([MASK] * 3)


def test_a_secret_registered_again_is_kept_as_the_most_recent() -> None:
    registry = kit_logging.SecretRegistry(capacity=2)
    first, second, third = _secret(), _secret(), _secret()
    registry.add(first)
    registry.add(second)
    registry.add(first)
    registry.add(third)
    assert registry.mask(first) == MASK
    assert registry.mask(second) == second


def test_overlapping_and_repeated_secrets_are_all_masked() -> None:
    registry = kit_logging.SecretRegistry(capacity=10)
    link = "https://mon-compte.example/reset?token=Zq8vY2kP4rT"
    registry.add(link)
    registry.add("Zq8vY2kP4rT")
    text = f"{link} then Zq8vY2kP4rT and Zq8vY2kP4rTZq8vY2kP4rT"
    assert registry.mask(text) == f"{MASK} then {MASK} and {MASK}{MASK}"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> kit_logging.SecretRegistry:
    """A registry of this test's own, so that each registration proven is the call's."""
    fresh = kit_logging.SecretRegistry()
    monkeypatch.setattr(kit_logging, "SECRETS", fresh)
    return fresh


def test_sealing_a_value_or_opening_one_registers_it_and_the_private_key(
    registry: kit_logging.SecretRegistry,
) -> None:
    from servicekit.sealing import generate_keypair, seal, unseal

    private, public = generate_keypair()
    assert registry.mask(private) == MASK
    link = f"https://mon-compte.example/activation?t={_secret()}"
    sealed = seal(public, link)
    assert registry.mask(f"letter {link}") == f"letter {MASK}"
    opened_elsewhere = kit_logging.SecretRegistry()
    kit_logging.SECRETS = opened_elsewhere  # the process that opens it has its own registry
    assert unseal(private, sealed) == link
    assert opened_elsewhere.mask(link) == MASK
    assert opened_elsewhere.mask(private) == MASK


def test_settings_declared_secret_are_registered_when_read(
    registry: kit_logging.SecretRegistry,
) -> None:
    from servicekit.settings import ServiceSettings

    ServiceSettings(kafka_sasl_username="mandates", kafka_sasl_password="pw-" + _secret())
    assert len(registry) == 1
    assert registry.mask("mandates") == "mandates"


async def test_a_bearer_token_is_registered_when_a_call_presents_it(
    registry: kit_logging.SecretRegistry,
) -> None:
    import httpx
    from fastapi import Depends, FastAPI
    from servicekit.auth import audience_of
    from servicekit.fastapi_auth import bearer_principal
    from servicekit.problems import install_problem_handlers
    from servicekit.testing.tokens import token, verifier

    principal = bearer_principal(verifier(audience=audience_of("mandates")))
    api = FastAPI()
    install_problem_handlers(api)
    api.add_api_route("/v1/x", lambda: {}, dependencies=[Depends(principal)])
    jwt = token("agent")
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        resp = await client.get("/v1/x", headers={"Authorization": f"Bearer {jwt}"})
    assert resp.status_code == 200
    assert registry.mask(f"header Bearer {jwt}") == f"header Bearer {MASK}"
