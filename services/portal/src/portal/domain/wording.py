"""What people read: dates and amounts in French form, the services' codes in words."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from servicekit import french

NBSP = "\u00a0"


def french_date(value: str | date | datetime | None) -> str:
    """``2027-02-05`` → « 5 février 2027 » (the first of a month: « 1er mars 2027 »)."""
    if value is None or value == "":
        return ""
    return french.day(value)


def french_datetime(value: str | datetime | None) -> str:
    if value is None or value == "":
        return ""
    return french.day_and_time(value)


def french_euros(value: str | int | Decimal | None) -> str:
    """``1234.56`` → « 1 234,56 € », with no-break spaces so that it never splits."""
    if value is None or value == "":
        return ""
    try:
        text = french.euros(value, thousands=NBSP)
    except (InvalidOperation, ValueError):
        return str(value)
    return text.replace(" €", f"{NBSP}€")


_AMOUNT = re.compile(r"^-?\d+(?:[.,]\d{1,2})?$")


def typed_amount(value: str) -> str | None:
    """An amount as a person types it (« 42 000 », « 42 000,50 », « 42000.5 ») as the apis
    read it (``"42000.50"``); ``None`` when it is not an amount."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", value).removesuffix("€")
    if not _AMOUNT.match(compact):
        return None
    return f"{Decimal(compact.replace(',', '.')):.2f}"


PAYMENT_MODES = {
    "prelevement": "Prélèvement",
    "telepaiement": "Télépaiement",
    "cheque": "Chèque",
    "virement": "Virement",
    "carte": "Carte bancaire",
}
PAYMENT_STATUSES = {
    "posted": "Enregistré",
    "pending": "En cours",
    "settled": "Encaissé",
    "rejected": "Rejeté",
}
INSTALMENT_STATES = {
    "upcoming": "À venir",
    "due": "À payer aujourd'hui",
    "overdue": "En retard",
    "partly_paid": "Payée en partie",
    "pending": "Prélèvement en cours",
    "paid": "Payée",
    "rejected": "Rejetée",
    "rescheduled": "Reportée",
    "before_ledger": "Réglée avant la reprise du compte",
}
PERIODICITIES = {"monthly": "Mensuelle", "quarterly": "Trimestrielle"}
CATEGORIES = {
    "artisan": "Artisan",
    "commercant": "Commerçant",
    "micro_entrepreneur": "Micro-entrepreneur",
    "profession_liberale": "Profession libérale",
    "retraite": "Retraité",
    "ayant_droit": "Ayant droit",
}
PAYABLE_KINDS = {
    "current": "Cotisations courantes",
    "debt": "Dette",
    "plan_instalment": "Échéance de délai de paiement",
}
ATTESTATION_STATUSES = {"valid": "Valide", "expired": "Expirée", "revoked": "Révoquée"}
ATTESTATION_KINDS = {
    "vigilance": "Attestation de vigilance",
    "paiement": "Attestation de paiement",
    "affiliation": "Attestation d'affiliation",
    "radiation": "Attestation de radiation",
    "fiscale": "Attestation fiscale",
}
CLIENT_STATES = {
    "requested": "Demande envoyée",
    "letter_sent": "Lettre envoyée",
    "active": "Mandat actif",
    "locked": "Bloqué (trop d'essais)",
    "ended": "Terminé",
    "deleted": "Supprimé",
}
LETTER_STATUSES = {
    "queued": "En attente d'impression",
    "printed": "Imprimée",
    "posted": "Postée",
}


def label(table: dict[str, str], code: str | None) -> str:
    """The French word for a code; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return table.get(code, code)
