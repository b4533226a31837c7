"""The mandate, a firm's client: the rules of SPEC.md 3.2–3.3, free of I/O.

A firm's *client* is a mandate row: ``requested → letter_sent → active → ended``, plus
``locked`` (five wrong keys) and ``deleted`` (by the firm before activation). One open mandate
per (firm, affilié); one active mandate per affilié. The aggregate refuses a transition its
state does not allow, counts its changes in ``version`` and records what happened in
``events`` (turned into contracts by ``service_layer/integration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mandates.domain import errors, keys
from mandates.domain.directory import Affiliate
from mandates.domain.events import (
    DomainEvent,
    KeyIssued,
    LetterStatusChanged,
    MandateActivated,
    MandateDeleted,
    MandateEnded,
    MandateLocked,
    MandateMoved,
)

MandateState = Literal["requested", "letter_sent", "active", "ended", "locked", "deleted"]
EndedBy = Literal["client", "cabinet", "replacement", "registry"]
OPEN_STATES: tuple[MandateState, ...] = ("requested", "letter_sent", "active", "locked")
PENDING_STATES: tuple[MandateState, ...] = ("requested", "letter_sent")
REISSUABLE_STATES: tuple[MandateState, ...] = ("requested", "letter_sent", "locked")
MAX_WRONG_KEYS = 5
Actor = Literal["firm", "assure", "agent", "system"]
"""Who made a transition: the firm (one of its users), the assuré, a back-office agent, or
the system (the letter channel, the lock after wrong keys, a replacement, the registry)."""
ENDED_BY_ACTOR: dict[EndedBy, Actor] = {
    "client": "assure",
    "cabinet": "firm",
    "replacement": "system",
    "registry": "system",
}


@dataclass
class HistoryEntry:
    """One transition of a mandate, kept for good: ``requested`` (the key letter goes out),
    ``key_reissued``, ``letter_sent``, ``key_entered`` (a wrong key typed by the firm),
    ``locked``, ``activated``, ``ended``, ``deleted``, ``moved``; ``by`` is who made it."""

    at: datetime
    transition: str
    detail: str = ""
    by: Actor = "system"


@dataclass
class Mandate:
    id: str
    cabinet_id: str
    affiliate_id: str
    siren: str
    client_name: str
    portfolio_id: str
    state: MandateState
    key_hash: str
    key_event_id: str
    issued_at: datetime
    created_at: datetime
    failed_attempts: int = 0
    letter_status: str | None = None
    activated_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: EndedBy | None = None
    version: int = 1
    history: list[HistoryEntry] = field(default_factory=list)
    """The entries of this unit of work, not yet stored (the repository writes and clears them)."""
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def request(
        cls,
        *,
        mandate_id: str,
        cabinet_id: str,
        affiliate: Affiliate,
        siren: str,
        client_name: str,
        portfolio_id: str,
        key: str,
        key_event_id: str,
        now: datetime,
    ) -> Mandate:
        """A client's request as « Envoyer » records it, with its key: version 1."""
        mandate = cls(
            id=mandate_id,
            cabinet_id=cabinet_id,
            affiliate_id=affiliate.affiliate_id,
            siren=siren,
            client_name=client_name.strip(),
            portfolio_id=portfolio_id,
            state="requested",
            key_hash=keys.digest(keys.normalize(key)),
            key_event_id=key_event_id,
            issued_at=now,
            created_at=now,
        )
        mandate._record(now, "requested", by="firm")
        mandate._key_issued(key, now)
        return mandate

    def _record(
        self, at: datetime, transition: str, detail: str = "", *, by: Actor = "system"
    ) -> None:
        self.history.append(HistoryEntry(at, transition, detail, by))

    def _key_issued(self, key: str, now: datetime, supersedes: str | None = None) -> None:
        self.events.append(
            KeyIssued(
                self.id, self.affiliate_id, self.cabinet_id, key, self.key_event_id, now,
                self.version, supersedes,
            )
        )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def attempts_left(self) -> int:
        return max(MAX_WRONG_KEYS - self.failed_attempts, 0)

    def ensure_followed(self) -> None:
        """Refuse any change to a client the firm no longer follows (ended or deleted)."""
        if not self.is_open:
            raise errors.MandateStateConflict("ce client n'est plus suivi")

    def reissue(self, key: str, key_event_id: str, now: datetime) -> None:
        """A new key and a new letter; the old key is dead (no deletion needed), and the new
        key's event names the key issue it supersedes (its letter is withdrawn)."""
        if self.state not in REISSUABLE_STATES:
            raise errors.MandateStateConflict(
                "seule une demande en attente ou verrouillée reçoit une nouvelle clé"
            )
        superseded = self.key_event_id
        self.key_hash = keys.digest(keys.normalize(key))
        self.key_event_id = key_event_id
        self.failed_attempts = 0
        self.issued_at = now
        self.letter_status = None
        self.state = "requested"
        self.version += 1
        self._record(now, "key_reissued", by="firm")
        self._key_issued(key, now, superseded)

    def letter_moved(self, status: str, now: datetime) -> bool:
        """The key letter's status at the printer; ``True`` when something changed (the first
        status takes a request to ``letter_sent``)."""
        if status == self.letter_status:
            return False
        self.letter_status = status
        if self.state == "requested":
            self.state = "letter_sent"
            self._record(now, "letter_sent", status)
        self.version += 1
        self.events.append(
            LetterStatusChanged(
                self.id, self.affiliate_id, self.cabinet_id, self.state, status, now,
                self.version,
            )
        )  # fmt: skip
        return True

    def activate(self, typed_key: str, now: datetime, actor: str | None) -> None:
        """The key typed from the letter activates a pending request. Raise
        :class:`errors.KeyMistyped` (nothing spent), :class:`errors.KeyMismatch` (one attempt
        spent: a change to store), :class:`errors.RequestLocked` (the fifth locks) or
        :class:`errors.MandateStateConflict`."""
        if self.state == "locked":
            raise errors.RequestLocked
        if self.state not in PENDING_STATES:
            raise errors.MandateStateConflict("cette demande n'attend plus de clé")
        try:
            symbols = keys.normalize(typed_key)
        except keys.KeyTypo as exc:
            raise errors.KeyMistyped(str(exc), self.attempts_left) from exc
        if keys.digest(symbols) != self.key_hash:
            self._wrong_key(now)
        self.state = "active"
        self.activated_at = now
        self.version += 1
        self._record(now, "activated", by="firm")
        self.events.append(
            MandateActivated(
                self.id, self.affiliate_id, self.cabinet_id, self.client_name, self.portfolio_id,
                now, actor, self.version,
            )
        )  # fmt: skip

    def _wrong_key(self, now: datetime) -> None:
        self.failed_attempts += 1
        self.version += 1
        left = MAX_WRONG_KEYS - self.failed_attempts
        self._record(now, "key_entered", f"clé erronée, {left} essai(s) restant(s)", by="firm")
        if self.failed_attempts >= MAX_WRONG_KEYS:
            self.state = "locked"
            self._record(now, "locked", f"{self.failed_attempts} clés erronées")
            self.events.append(
                MandateLocked(self.id, self.affiliate_id, self.cabinet_id, now, self.version)
            )
            raise errors.RequestLocked
        raise errors.KeyMismatch(MAX_WRONG_KEYS - self.failed_attempts)

    def end(self, by: EndedBy, now: datetime, actor: str | None = None) -> None:
        if self.state != "active":
            raise errors.MandateStateConflict("ce mandat n'est pas actif")
        self.state = "ended"
        self.ended_by = by
        self.ended_at = now
        self.version += 1
        self._record(now, "ended", by, by=ENDED_BY_ACTOR[by])
        self.events.append(
            MandateEnded(
                self.id, self.affiliate_id, self.cabinet_id, self.client_name, self.portfolio_id,
                by, now, actor, self.version,
            )
        )  # fmt: skip

    def delete(self, now: datetime, actor: str | None) -> None:
        """The firm removes a client: a pending request is deleted, an active mandate ends."""
        if self.state == "active":
            self.end("cabinet", now, actor)
            return
        if self.state not in REISSUABLE_STATES:
            raise errors.MandateStateConflict("ce client n'est plus suivi")
        self._deleted(now, by="firm")

    def _deleted(self, now: datetime, detail: str = "", *, by: Actor) -> None:
        self.state = "deleted"
        self.ended_at = now
        self.version += 1
        self._record(now, "deleted", detail, by=by)
        self.events.append(
            MandateDeleted(self.id, self.affiliate_id, self.cabinet_id, now, self.version)
        )

    def close_for_radiation(self, now: datetime) -> None:
        """The registry radiated the affilié: the active mandate ends, a request is deleted."""
        if self.state == "active":
            self.end("registry", now)
            return
        self.ensure_followed()
        self._deleted(now, "registry", by="system")

    def move_to(self, portfolio_id: str, now: datetime) -> bool:
        """Into another portfolio of the firm; ``True`` when it was elsewhere."""
        self.ensure_followed()
        if portfolio_id == self.portfolio_id:
            return False
        self.portfolio_id = portfolio_id
        self.version += 1
        self._record(now, "moved", by="firm")
        self.events.append(
            MandateMoved(
                self.id, self.affiliate_id, self.cabinet_id, portfolio_id, now, self.version
            )
        )
        return True
