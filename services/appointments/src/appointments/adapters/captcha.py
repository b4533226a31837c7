"""The verification code of the booking form: an ALTCHA proof of work, served and checked by
the service itself (no third party sees the people who book).

The challenge is ALTCHA's v1 protocol (the widget's default): the browser looks for the number
``n ≤ maxnumber`` with ``SHA-256(salt + n) == challenge``; the salt carries the expiry
(``?expires=<unix seconds>&``) and the signature is an HMAC of the challenge under the
service's key, so a challenge can be neither forged nor extended. Checking it costs one hash
and one HMAC; solving it costs the browser about ``maxnumber / 2`` hashes.

:meth:`Captcha.verify` returns the challenge's signature: the caller records it (until the
challenge expires) and refuses it the second time, so one solved challenge books once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import urllib.parse
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from altcha.v1 import AlgoType, create_challenge, hash_hex, hmac_hex, solve_challenge

ALGORITHM: Final[AlgoType] = "SHA-256"
REFUSED: Final = "Le code de vérification est incorrect ou a expiré."


class CaptchaRefused(ValueError):
    """The payload does not prove the work on a live challenge of ours (message in French)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def _expires(salt: str) -> int:
    """The expiry the salt carries; exactly one, else refused."""
    _, question, query = salt.partition("?")
    values = urllib.parse.parse_qs(query).get("expires", []) if question else []
    if len(values) != 1 or not values[0].isdigit():
        raise CaptchaRefused
    return int(values[0])


def _decode(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        raise CaptchaRefused from None
    if not isinstance(data, dict):
        raise CaptchaRefused
    number = data.get("number")
    texts = [data.get(field) for field in ("algorithm", "challenge", "salt", "signature")]
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise CaptchaRefused
    if not all(isinstance(text, str) for text in texts) or data["algorithm"] != ALGORITHM:
        raise CaptchaRefused
    return data


class Captcha:
    """Challenges of our own, checked with our own key and clock."""

    def __init__(
        self,
        hmac_key: bytes,
        *,
        max_number: int = 100_000,
        ttl: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime],
    ) -> None:
        if not hmac_key:
            raise ValueError("The captcha's HMAC key is empty.")
        if max_number < 1 or ttl <= timedelta(0):
            raise ValueError("The captcha needs a positive difficulty and lifetime.")
        self._key = hmac_key
        self.max_number = max_number
        self.ttl = ttl
        self._clock = clock

    def challenge(self) -> dict[str, Any]:
        """The JSON the ALTCHA widget fetches (``maxnumber`` in both spellings widgets read)."""
        made = create_challenge(
            algorithm=ALGORITHM,
            max_number=self.max_number,
            salt_length=12,
            hmac_key=self._key,
            salt="",
            number=None,
            expires=self._clock() + self.ttl,
            params=None,
        )
        document: dict[str, Any] = made.to_dict()
        document["maxnumber"] = made.max_number
        return document

    def verify(self, payload: str) -> str:
        """The replay key (the challenge's signature) of a payload solving a live challenge
        of ours; :class:`CaptchaRefused` otherwise."""
        data = _decode(payload)
        salt: str = data["salt"]
        if _expires(salt) <= self._clock().timestamp():
            raise CaptchaRefused
        if not salt.endswith("&"):
            salt += "&"
        challenge = hash_hex(ALGORITHM, f"{salt}{data['number']}".encode())
        signature = hmac_hex(ALGORITHM, challenge.encode(), self._key)
        # Both compared, in constant time, whatever the first says.
        right_work = hmac.compare_digest(challenge, data["challenge"])
        right_key = hmac.compare_digest(signature, data["signature"])
        if not (right_work and right_key):
            raise CaptchaRefused
        return signature

    def solve(self, challenge: dict[str, Any]) -> str:
        """The payload a browser would send for that challenge (tests, demo, bench)."""
        max_number = int(challenge.get("maxnumber", challenge.get("maxNumber", self.max_number)))
        solution = solve_challenge(challenge["challenge"], challenge["salt"], ALGORITHM, max_number)
        if solution is None:
            raise ValueError("The challenge has no solution below its maxnumber.")
        payload = {
            "algorithm": ALGORITHM,
            "challenge": challenge["challenge"],
            "number": solution.number,
            "salt": challenge["salt"],
            "signature": challenge["signature"],
        }
        return base64.b64encode(json.dumps(payload).encode()).decode("ascii")
