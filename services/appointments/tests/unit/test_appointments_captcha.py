"""The verification code: ALTCHA proof of work, solved as a browser would."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from altcha.v1 import verify_solution
from appointments.adapters.captcha import Captcha, CaptchaRefused

KEY = b"k" * 32
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def captcha(clock: Clock | None = None) -> Captcha:
    return Captcha(KEY, max_number=2_000, clock=clock or Clock())


def edit(payload: str, **changes: Any) -> str:
    data = json.loads(base64.b64decode(payload))
    data.update(changes)
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_the_challenge_is_what_the_widget_reads() -> None:
    challenge = captcha().challenge()
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxnumber"] == challenge["maxNumber"] == 2_000
    assert f"expires={int((T0 + timedelta(minutes=10)).timestamp())}" in challenge["salt"]
    assert len(challenge["signature"]) == 64


def test_a_solved_challenge_verifies_and_gives_its_replay_key() -> None:
    c = captcha()
    challenge = c.challenge()
    payload = c.solve(challenge)
    assert c.verify(payload) == challenge["signature"]
    # The library's own check agrees (what another ALTCHA server would say).
    assert verify_solution(payload, KEY, check_expires=False) == (True, None)


def test_a_wrong_number_is_refused() -> None:
    c = captcha()
    payload = c.solve(c.challenge())
    number = json.loads(base64.b64decode(payload))["number"]
    with pytest.raises(
        CaptchaRefused, match=r"^Le code de vérification est incorrect ou a expiré\.$"
    ):
        c.verify(edit(payload, number=number + 1))


def test_a_tampered_signature_is_refused() -> None:
    c = captcha()
    payload = c.solve(c.challenge())
    with pytest.raises(CaptchaRefused):
        c.verify(edit(payload, signature="0" * 64))


def test_a_challenge_of_another_key_is_refused() -> None:
    other = Captcha(b"x" * 32, max_number=2_000, clock=Clock())
    with pytest.raises(CaptchaRefused):
        captcha().verify(other.solve(other.challenge()))


def test_a_later_expiry_cannot_be_written_into_the_salt() -> None:
    c = captcha()
    payload = c.solve(c.challenge())
    salt = json.loads(base64.b64decode(payload))["salt"]
    later = str(int((T0 + timedelta(days=1)).timestamp()))
    with pytest.raises(CaptchaRefused):
        c.verify(edit(payload, salt=salt.split("expires=")[0] + f"expires={later}&"))
    with pytest.raises(CaptchaRefused):  # a second expires, read by one parser and not another
        c.verify(edit(payload, salt=salt + f"expires={later}&"))


def test_an_expired_challenge_is_refused() -> None:
    clock = Clock()
    c = captcha(clock)
    payload = c.solve(c.challenge())
    clock.now = T0 + timedelta(minutes=9, seconds=59)
    assert c.verify(payload)
    clock.now = T0 + timedelta(minutes=10)
    with pytest.raises(CaptchaRefused):
        c.verify(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not base64!",
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b"{}").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_garbage_is_refused(payload: str) -> None:
    with pytest.raises(CaptchaRefused):
        captcha().verify(payload)


def test_another_algorithm_is_refused() -> None:
    c = captcha()
    payload = c.solve(c.challenge())
    with pytest.raises(CaptchaRefused):
        c.verify(edit(payload, algorithm="SHA-1"))


def test_a_boolean_number_is_refused() -> None:
    c = captcha()
    payload = c.solve(c.challenge())
    with pytest.raises(CaptchaRefused):
        c.verify(edit(payload, number=True))
