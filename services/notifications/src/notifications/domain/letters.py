"""Postal letters' rules: where the address block goes, what it may hold, and the statuses a
letter goes through at its channel.

The address is printed inside the window of a French DL window envelope (window on the right):
:data:`ADDRESS_WINDOW`, 110 mm from the left edge and 45 mm from the top, 90 × 45 mm, the text
:data:`ADDRESS_MARGIN` inside it; at most 6 lines of 38 characters, in upper case, as La
Poste's addressing standard asks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

LETTER_STATUSES = ("queued", "printed", "posted", "returned")
"""A letter's statuses at its channel: ``queued`` when handed over, then as the print shop or
the provider reports; ``printed`` letters are still in transit, ``posted`` and ``returned``
are final."""
IN_TRANSIT = ("queued", "printed")
WITHDRAWN, SUPERSEDED = "withdrawn", "superseded"
"""A letter replaced by a re-issued key (``MandateKeyIssuedV1.supersedes_event_id``):
``withdrawn`` when it was never printed (not handed over yet, or taken back from the channel
while ``queued``), ``superseded`` when it was already printed or posted. Both are final, and
notifications' own: no longer tracked, not published as a channel status."""


def letter_reference(base: str, source_event_id: str) -> str:
    """A letter's own reference: the business reference it concerns (a mandate's) and a
    suffix derived from its event, so that a letter and the one that replaces it never share
    one (``MND-000001-3FA9C1``)."""
    suffix = hashlib.sha256(source_event_id.encode()).hexdigest()[:6].upper()
    return f"{base}-{suffix}"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h


ADDRESS_WINDOW = Box(x=110.0, y=45.0, w=90.0, h=45.0)
ADDRESS_MARGIN = 5.0
MAX_ADDRESS_LINES, MAX_ADDRESS_CHARS = 6, 38


def address_block(recipient_name: str, lines: Iterable[object]) -> tuple[str, ...]:
    """The recipient's name then the address lines, upper case, each cut to 38 characters,
    empty ones dropped; refused (``ValueError``) beyond 6 lines."""
    block = [str(recipient_name), *(str(line) for line in lines)]
    block = [line.strip().upper()[:MAX_ADDRESS_CHARS] for line in block if line and line.strip()]
    if len(block) > MAX_ADDRESS_LINES:
        raise ValueError("an address has at most 6 lines")
    return tuple(block)
