"""The affiliates registry's repository; NIRs go through the vault."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.nir_vault import NirVault
from identity.adapters.orm import affiliates
from identity.domain.affiliates import Affiliate


class SqlAlchemyAffiliateRepository:
    def __init__(self, session: AsyncSession, vault: NirVault) -> None:
        self._session = session
        self._vault = vault

    def _values(self, a: Affiliate) -> dict[str, Any]:
        return {
            "siren": a.siren,
            "sirets": a.sirets,
            "nir_encrypted": self._vault.encrypt(a.nir),
            "nir_index": self._vault.index(a.nir),
            "birth_name": a.birth_name,
            "usage_name": a.usage_name,
            "first_names": a.first_names,
            "birth_date": a.birth_date,
            "category": a.category,
            "address": a.address,
            "departement": a.departement,
            "email": a.email,
            "mobile": a.mobile,
            "affiliated_on": a.affiliated_on,
            "radiated_on": a.radiated_on,
            "third_party_registration_allowed": a.third_party_registration_allowed,
        }

    async def add(self, affiliate: Affiliate) -> None:
        await self._session.execute(
            insert(affiliates).values(id=affiliate.id, **self._values(affiliate))
        )

    async def save(self, affiliate: Affiliate) -> None:
        await self._session.execute(
            update(affiliates)
            .where(affiliates.c.id == affiliate.id)
            .values(**self._values(affiliate))
        )

    async def by_siren(self, siren: str) -> Affiliate | None:
        row = (
            await self._session.execute(select(affiliates).where(affiliates.c.siren == siren))
        ).first()
        return None if row is None else self._to_affiliate(row)

    async def by_nir(self, nir: str) -> Affiliate | None:
        """By the NIR or its 13-character body."""
        row = (
            await self._session.execute(
                select(affiliates).where(affiliates.c.nir_index == self._vault.index(nir))
            )
        ).first()
        return None if row is None else self._to_affiliate(row)

    def nir_key(self, nir: str) -> str:
        return self._vault.index(nir)

    async def get(self, affiliate_id: str) -> Affiliate | None:
        row = (
            await self._session.execute(select(affiliates).where(affiliates.c.id == affiliate_id))
        ).first()
        return None if row is None else self._to_affiliate(row)

    def _to_affiliate(self, row: Any) -> Affiliate:
        return Affiliate(
            id=row.id,
            siren=row.siren,
            sirets=list(row.sirets),
            nir=self._vault.decrypt(row.nir_encrypted),
            birth_name=row.birth_name,
            usage_name=row.usage_name,
            first_names=row.first_names,
            birth_date=row.birth_date,
            category=row.category,
            address=dict(row.address),
            departement=row.departement,
            email=row.email,
            mobile=row.mobile,
            affiliated_on=row.affiliated_on,
            radiated_on=row.radiated_on,
            third_party_registration_allowed=bool(row.third_party_registration_allowed),
        )
