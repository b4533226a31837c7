"""The message kinds: for each, its channel, its template and the context it requires."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageKind(StrEnum):
    CABINET_ACTIVATION = "cabinet_activation"
    ASSURE_ACTIVATION = "assure_activation"
    COLLABORATOR_INVITATION = "collaborator_invitation"


@dataclass(frozen=True)
class KindSpec:
    channels: tuple[str, ...]
    template: str
    required: frozenset[str]


KINDS: dict[MessageKind, KindSpec] = {
    MessageKind.CABINET_ACTIVATION: KindSpec(
        ("email",),
        "cabinet_activation",
        frozenset({"display_name", "cabinet_name", "link", "expires_at"}),
    ),
    MessageKind.ASSURE_ACTIVATION: KindSpec(
        ("email",), "assure_activation", frozenset({"display_name", "link", "expires_at"})
    ),
    MessageKind.COLLABORATOR_INVITATION: KindSpec(
        ("email",),
        "collaborator_invitation",
        frozenset({"display_name", "cabinet_name", "link", "expires_at"}),
    ),
}


class MissingContext(ValueError):
    """A template variable is missing or empty: nothing is sent rather than a hole."""
