"""The business registry's feed: register, update or radiate an affilié, once per record."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from contracts.partners.v1 import RegistryAffiliationV1
from servicekit.messaging import IncomingEvent, PoisonMessage
from servicekit.uow import consume_once

from identity.domain.affiliates import Affiliate, AffiliateChanged
from identity.domain.errors import InvalidRegistryRecord
from identity.domain.identifiers import normalize_nir, normalize_siren, normalize_siret
from identity.domain.names import clean_name
from identity.service_layer.handlers import Dependencies, publish
from identity.service_layer.ports import IdentityUnitOfWork

CONSUMER = "identity"
DEPARTEMENT = re.compile(r"^([0-9]{2}|2A|2B|97[1-6])$")
"""As the affiliates' events carry it (contracts.identity.v1.AffiliateStateV1)."""


def _column(name: str, normalize: Callable[[str], str], value: str) -> str:
    """``value`` checked; refused naming its column (as the registry's file and feed name it).
    An empty value is said missing, as the other columns say it, not invalid."""
    if not value.strip():
        raise InvalidRegistryRecord(f"Colonne {name} : valeur obligatoire manquante.")
    try:
        return normalize(value)
    except ValueError as exc:
        raise InvalidRegistryRecord(f"Colonne {name} : {exc}") from exc


def affiliate_from(record: RegistryAffiliationV1, affiliate_id: str) -> Affiliate:
    """Validate the record's identifiers; a bad one can never be accepted."""
    siren = _column("siren", normalize_siren, record.siren)
    sirets = [_column("sirets", normalize_siret, s) for s in record.sirets]
    nir = _column("nir", normalize_nir, record.nir)
    if any(not s.startswith(siren) for s in sirets):
        raise InvalidRegistryRecord(
            "Colonne sirets : un SIRET n'appartient pas au SIREN de l'enregistrement."
        )
    if not DEPARTEMENT.match(record.departement):
        raise InvalidRegistryRecord(
            "Colonne departement : code de département non valide (2 chiffres, 2A, 2B, 971 à 976)."
        )
    names: dict[str, str | None] = {}
    for name in ("birth_name", "usage_name", "first_names"):
        value = getattr(record, name)
        try:
            names[name] = None if value is None else clean_name(value)
        except ValueError as exc:
            raise InvalidRegistryRecord(f"Colonne {name} : {exc}") from exc
    return Affiliate(
        id=affiliate_id,
        siren=siren,
        sirets=sirets,
        nir=nir,
        birth_name=names["birth_name"] or "",
        usage_name=names["usage_name"],
        first_names=names["first_names"] or "",
        birth_date=record.birth_date,
        category=record.category,
        address=record.address.model_dump(),
        departement=record.departement,
        email=record.email,
        mobile=record.mobile,
        affiliated_on=record.affiliated_on,
    )


async def record_affiliation(
    event: IncomingEvent, uow: IdentityUnitOfWork, deps: Dependencies
) -> None:
    record = event.payload(RegistryAffiliationV1)
    try:
        incoming = affiliate_from(record, deps.tokens.new_id())
    except InvalidRegistryRecord as exc:
        raise PoisonMessage(exc.message) from exc

    async def effect(u: IdentityUnitOfWork) -> None:
        await apply(u, deps, incoming, record.radiated_on)

    await consume_once(uow, CONSUMER, event, effect)


async def apply(
    uow: IdentityUnitOfWork, deps: Dependencies, incoming: Affiliate, radiated_on: date | None
) -> tuple[str, str]:
    """Register, update or radiate; return the affilié's id and what happened."""
    current = await uow.affiliates.by_siren(incoming.siren)
    if current is None:
        current = incoming
        current.record("registered")
        await uow.affiliates.add(current)
    else:
        current.update_from(incoming)
    if radiated_on is not None:
        current.radiate(radiated_on)
    changes = [e.change for e in current.events if isinstance(e, AffiliateChanged)]
    await uow.affiliates.save(current)
    await publish(uow, deps, current.events)
    return current.id, changes[-1] if changes else "unchanged"
