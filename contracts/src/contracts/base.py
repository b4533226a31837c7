"""Base class of every integration-event payload."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """A versioned payload. Consumers ignore unknown fields so producers may add optional ones.

    ``event_type`` is the CloudEvents ``type``; ``topic`` the topic it is published on.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]


SealedSecret = str
"""A secret (activation link, activation key) sealed to notifications' public key.

Base64 of a libsodium sealed box: only notifications can open it; every other reader sees
ciphertext.
"""
