"""Registry records for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.partners.v1 import RegistryAffiliationV1
from servicekit.messaging import IncomingEvent
from stdnum.fr import nir as stdnum_nir

NIR_BODY = "1850578006084"
NIR = NIR_BODY + stdnum_nir.calc_check_digits(NIR_BODY)


def record(**changes: Any) -> RegistryAffiliationV1:
    base: dict[str, Any] = {
        "siren": "732829320",
        "sirets": ["73282932000074"],
        "nir": NIR,
        "birth_name": "Dupont",
        "first_names": "Jean",
        "birth_date": date(1985, 5, 1),
        "category": "artisan",
        "address": PostalAddress(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon"),
        "departement": "69",
        "email": "jean@dupont.fr",
        "affiliated_on": date(2020, 1, 1),
    }
    return RegistryAffiliationV1(**{**base, **changes})


def incoming(payload: RegistryAffiliationV1, event_id: str) -> IncomingEvent:
    return IncomingEvent(
        envelope=Envelope(
            id=event_id,
            type=payload.event_type,
            source="registry",
            time=datetime.now(UTC),
            subject=payload.siren,
        ),
        data=payload.model_dump(mode="json"),
        topic=payload.topic,
        partition=0,
        offset=0,
    )
