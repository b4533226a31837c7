"""What notifications knows of affiliés: the registry's name, postal address and e-mail.

Fed only by ``identity.affiliate`` events: a letter's address never comes from anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AffiliateContact:
    affiliate_id: str
    display_name: str
    address_lines: tuple[str, ...]
    email: str | None
    radiated: bool
    updated_at: datetime
