"""What the use cases need from the outside world."""

from __future__ import annotations

from typing import Protocol

from attestations.domain.model import (
    AffiliateRecord,
    Attestation,
    Content,
    PaidInYear,
    PensionPayment,
    PensionsInYear,
)
from attestations.domain.vigilance import PlanState, Standing
from servicekit.auth import Principal, Right
from servicekit.messaging import IncomingEvent
from servicekit.uow import AbstractUnitOfWork


class AttestationRepository(Protocol):
    async def add(self, attestation: Attestation) -> None: ...
    async def get(self, attestation_id: str) -> Attestation | None: ...
    async def by_code(self, code: str) -> Attestation | None: ...
    async def code_taken(self, code: str) -> bool: ...
    async def of_affiliate(self, affiliate_id: str) -> list[Attestation]: ...
    async def save_revocation(self, attestation: Attestation) -> None: ...


class FactsRepository(Protocol):
    """The read models fed by the registry's and cotisations' events."""

    async def affiliate(self, affiliate_id: str) -> AffiliateRecord | None: ...
    async def standing(self, affiliate_id: str) -> Standing | None: ...
    async def plan(self, affiliate_id: str) -> PlanState: ...
    async def paid_in(self, affiliate_id: str, year: int) -> PaidInYear: ...
    async def pensions_in(self, affiliate_id: str, year: int) -> PensionsInYear: ...
    async def pension_payments(self, affiliate_id: str) -> list[PensionPayment]: ...


class Access(Protocol):
    async def require(
        self, principal: Principal, affiliate_id: str, right: Right, *, delegable: bool = True
    ) -> None: ...
    async def apply(self, event: IncomingEvent) -> None: ...


class AttestationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def attestations(self) -> AttestationRepository: ...
    @property
    def facts(self) -> FactsRepository: ...
    @property
    def access(self) -> Access: ...


class Signer(Protocol):
    """Signs QR payloads with the current key (Ed25519)."""

    @property
    def key_id(self) -> str: ...
    def sign(self, data: bytes) -> bytes: ...


class Renderer(Protocol):
    """The certificate's PDF (QR code, payload as metadata, PAdES signature)."""

    async def render(self, code: str, content: Content, payload: str) -> bytes: ...
