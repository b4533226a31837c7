"""A sample context for every message kind, and what each rendering must contain."""

from __future__ import annotations

from typing import Any

from notifications.domain.kinds import MessageKind

LINK = "https://mon-compte.example/v1/accounts/activation?token=abc_DEF-123"
KEY = "7KQ4-M9XP-2HWN-3RTV-C"
MANAGE_LINK = "https://mon-compte.example/rendez-vous/RDV-2026-000123?jeton=k3Y_9x-Qm"
APPOINTMENT: dict[str, Any] = {
    "display_name": "Jean Dupont",
    "agency_id": "paris-centre",
    "agency_name": "Agence de Paris Centre",
    "agency_address": "10 rue Réaumur, 75003 Paris",
    "channel": "agence",
    "object_label": "Cotisations",
    "starts_at": "2026-03-10T09:30:00+00:00",
    "ends_at": "2026-03-10T10:00:00+00:00",
    "reason": "Cotisations — délai de paiement",
    "appointment_id": "RDV-2026-000123",
    "sequence": 1,
    "attendee_email": "jean@dupont.fr",
    "manage_link": MANAGE_LINK,
}
"""An appointment on Tuesday 10 March 2026 at 10 h 30 in Paris (09:30 UTC, winter time)."""
ECHEANCIER = {
    "display_name": "Jean Dupont",
    "year": "2026",
    "annual_amount": "18741.00",
    "effective_from": "2026-04-07",
    "instalments": [
        {"due_date": "2026-04-07", "amount": "1561.75"},
        {"due_date": "2026-05-05", "amount": "1561.75"},
    ],
    "reference": "ECH-2026-42",
}
ADDRESS = {"recipient_name": "Jean Dupont", "address_lines": ["12 rue des Lilas", "69003 Lyon"]}

SAMPLES: dict[MessageKind, tuple[dict[str, Any], list[str]]] = {
    MessageKind.CABINET_ACTIVATION: (
        {
            "display_name": "Claire Martin",
            "cabinet_name": "Cabinet Martin",
            "link": LINK,
            "expires_at": "2026-01-17T09:00:00+00:00",
        },
        ["Claire Martin", "Cabinet Martin", "token=abc_DEF-123", "17 janvier 2026 à 10 h 00"],
    ),
    MessageKind.COLLABORATOR_JOINED: (
        {
            "display_name": "Claire Martin",
            "cabinet_name": "Cabinet Martin",
            "user_name": "Paul Leroy",
        },
        ["Claire Martin", "Paul Leroy", "Cabinet Martin", "administrateur"],
    ),
    MessageKind.REGISTRATION_ATTEMPTED: (
        {
            "display_name": "Claire Martin",
            "email": "claire@cabinet.fr",
            "attempted_at": "2026-12-02T08:15:00+00:00",
        },
        ["Claire Martin", "claire@cabinet.fr", "2 décembre 2026 à 9 h 15", "Mot de passe oublié"],
    ),
    MessageKind.ASSURE_ACTIVATION: (
        {"display_name": "Jean Dupont", "link": LINK, "expires_at": "2026-01-17T09:00:00+00:00"},
        ["Jean Dupont", "token=abc_DEF-123", "48 heures"],
    ),
    MessageKind.COLLABORATOR_INVITATION: (
        {
            "display_name": "Paul Leroy",
            "cabinet_name": "Cabinet Martin",
            "link": LINK,
            "expires_at": "2026-01-16T09:00:00+00:00",
        },
        ["Paul Leroy", "Cabinet Martin", "24 heures", "token=abc_DEF-123"],
    ),
    MessageKind.EMAIL_CHANGE_CONFIRMATION: (
        {
            "display_name": "Jean Dupont",
            "new_email": "jean@nouveau.fr",
            "link": LINK,
            "expires_at": "2026-01-17T09:00:00+00:00",
        },
        ["jean@nouveau.fr", "token=abc_DEF-123"],
    ),
    MessageKind.PASSWORD_RESET: (
        {"display_name": "Jean Dupont", "link": LINK, "expires_at": "2026-01-15T10:00:00+00:00"},
        ["mot de passe", "token=abc_DEF-123"],
    ),
    MessageKind.CABINET_USERS_CHANGED: (
        {
            "display_name": "Claire Martin",
            "cabinet_name": "Cabinet Martin",
            "change": "droits modifiés",
            "user_name": "Paul Leroy",
        },
        ["Cabinet Martin", "droits modifiés", "Paul Leroy"],
    ),
    MessageKind.PORTFOLIO_CHANGED: (
        {
            "display_name": "Paul Leroy",
            "cabinet_name": "Cabinet Martin",
            "portfolio_name": "Clients Lyon",
            "change": "2 clients déplacés",
        },
        ["Clients Lyon", "2 clients déplacés"],
    ),
    MessageKind.ACTIVATION_KEY_LETTER: (
        {
            **ADDRESS,
            "cabinet_name": "Cabinet Martin",
            "activation_key": KEY,
            "issued_on": "2026-01-15",
            "reference": "MND-000042",
        },
        [KEY, "Cabinet Martin", "MND-000042", "JEAN DUPONT", "69003 LYON"],
    ),
    MessageKind.MANDATE_ACTIVATED_CABINET: (
        {
            "display_name": "Claire Martin",
            "client_name": "Jean Dupont",
            "activated_at": "2026-02-01T08:00:00+00:00",
        },
        ["Jean Dupont", "1er février 2026"],
    ),
    MessageKind.MANDATE_ACTIVATED_CLIENT: (
        {
            "display_name": "Jean Dupont",
            "cabinet_name": "Cabinet Martin",
            "activated_at": "2026-02-01T08:00:00+00:00",
        },
        ["Cabinet Martin", "révoquer"],
    ),
    MessageKind.MANDATE_ENDED_CABINET: (
        {
            "display_name": "Claire Martin",
            "client_name": "Jean Dupont",
            "ended_at": "2026-03-01T08:00:00+00:00",
            "reason": "révoqué par le client",
        },
        ["Jean Dupont", "révoqué par le client"],
    ),
    MessageKind.MANDATE_ENDED_CLIENT: (
        {
            "display_name": "Jean Dupont",
            "cabinet_name": "Cabinet Martin",
            "ended_at": "2026-03-01T08:00:00+00:00",
            "reason": "révoqué par vous",
        },
        ["Cabinet Martin", "révoqué par vous"],
    ),
    MessageKind.ESTIMATE_CONFIRMATION: (
        {
            "display_name": "Claire Martin",
            "client_name": "Jean Dupont",
            "year": "2026",
            "estimated_income": "42000",
            "annual_amount": "18741",
            "effective_from": "2026-04-07",
        },
        ["Jean Dupont", "42 000,00 €", "18 741,00 €", "7 avril 2026", "un mois"],
    ),
    MessageKind.ECHEANCIER_RECTIFICATIF_LETTER: (
        {**ECHEANCIER, **ADDRESS},
        ["2026", "18 741,00 euros", "7 avril 2026", "1 561,75 euros", "ECH-2026-42"],
    ),
    MessageKind.ECHEANCIER_RECTIFICATIF_EMAIL: (
        ECHEANCIER,
        ["18 741,00 €", "7 avril 2026 : 1 561,75 €", "5 mai 2026"],
    ),
    MessageKind.TELEPAYMENT_CONFIRMATION: (
        {
            "display_name": "Claire Martin",
            "client_name": "Jean Dupont",
            "for_firm": True,
            "amount": "1561.75",
            "value_date": "2026-05-05",
            "payment_id": "TP-2026-0001",
            "paid": [{"what": "instalment", "due_date": "2026-05-05", "amount": "1561.75"}],
            "on_due_date": True,
            "changeable_until": "2026-05-04T10:00:00+00:00",
        },
        [
            "pour le compte de Jean Dupont",
            "1 561,75 € seront débités le 5 mai 2026, à la date",
            "échéance du 5 mai 2026 : 1 561,75 €",
            "au 4 mai 2026 à 12 h 00, dans",
            "TP-2026-0001",
        ],
    ),
    MessageKind.TELEPAYMENT_CHANGED: (
        {
            "display_name": "Jean Dupont",
            "client_name": "Jean Dupont",
            "for_firm": False,
            "amount": "1000.00",
            "previous_amount": "1561.75",
            "value_date": "2026-05-05",
            "payment_id": "TP-2026-0001",
            "parts": [
                {"iban": "FR76 **** **** **** **** ***0 189", "amount": "600.00"},
                {"iban": "FR14 **** **** **** **** ***6 06", "amount": "400.00"},
            ],
        },
        [
            "La modification de votre télépaiement est enregistrée",
            "1 000,00 € seront débités le 5 mai 2026, au lieu de 1 561,75 €",
            "FR76 **** **** **** **** ***0 189 : 600,00 €",
            "midi la veille du débit",
            "TP-2026-0001",
        ],
    ),
    MessageKind.DEBITS_PRENOTIFICATION: (
        {
            "display_name": "Jean Dupont",
            "creditor_name": "Sécurité sociale des indépendants",
            "creditor_id": "FR12ZZZ123456",
            "rum": "RUM-2026-000042",
            "iban": "FR76 **** **** **** **** ***6 789",
            "reason": "mandate_signed",
            "first_debit_date": "2026-02-05",
            "debits": [
                {"due_date": "2026-02-05", "amount": "310.00"},
                {"due_date": "2026-03-05", "amount": "310.00"},
            ],
            "total": "620.00",
        },
        [
            "adhésion au prélèvement automatique",
            "5 février 2026 : 310,00 €",
            "5 mars 2026",
            "620,00 €",
            "FR12ZZZ123456",
            "RUM-2026-000042",
            "***6 789",
        ],
    ),
    MessageKind.PAYMENT_REJECTED: (
        {
            "display_name": "Jean Dupont",
            "client_name": "Jean Dupont",
            "for_firm": False,
            "amount": "310.00",
            "reason_label": "provision insuffisante",
            "rejected_on": "2026-02-09",
            "instalment_due_date": "2026-02-05",
            "debt_amount": "310.00",
            "debt_due_date": "2026-02-09",
        },
        [
            "Votre prélèvement de 310,00 €",
            "échéance du 5 février 2026",
            "provision insuffisante",
            "9 février 2026",
            "télépaiement",
        ],
    ),
    MessageKind.PAYMENT_PLAN_REQUESTED: (
        {
            "display_name": "Claire Martin",
            "client_name": "Jean Dupont",
            "for_firm": True,
            "total": "3240.50",
            "instalments": [
                {"due_date": "2026-03-05", "amount": "1620.25"},
                {"due_date": "2026-04-07", "amount": "1620.25"},
            ],
            "plan_id": "PLAN-7",
        },
        ["pour Jean Dupont", "agent", "3 240,50 €", "2 mensualités", "7 avril 2026", "PLAN-7"],
    ),
    MessageKind.PAYMENT_PLAN_GRANTED: (
        {
            "display_name": "Jean Dupont",
            "total": "3240.50",
            "instalments": [
                {"due_date": "2026-03-05", "amount": "1620.25"},
                {"due_date": "2026-04-07", "amount": "1620.25"},
            ],
            "plan_id": "PLAN-7",
        },
        ["accordé", "3 240,50 €", "5 mars 2026 : 1 620,25 €", "exigible", "PLAN-7"],
    ),
    MessageKind.PAYMENT_PLAN_REFUSED: (
        {
            "display_name": "Jean Dupont",
            "reason": "Un délai accordé l'an dernier n'a pas été respecté.",
            "plan_id": "PLAN-7",
        },
        ["pas été accordée", "an dernier", "PLAN-7"],
    ),
    MessageKind.VIGILANCE_RENEWAL: (
        {"display_name": "Jean Dupont", "valid_until": "2026-09-10", "attestation_id": "att-1"},
        ["10 septembre 2026", "attestation de vigilance", "Mes attestations"],
    ),
    MessageKind.PAYMENT_PLAN_ENDED: (
        {
            "display_name": "Jean Dupont",
            "missed_due_date": "2026-04-07",
            "missed_amount": "1620.25",
            "remaining": "1620.25",
            "due_date": "2026-04-08",
            "plan_id": "PLAN-7",
        },
        ["7 avril 2026", "1 620,25 €", "prend fin", "8 avril 2026", "PLAN-7"],
    ),
    MessageKind.APPOINTMENT_ACKNOWLEDGED: (
        APPOINTMENT,
        ["Agence de Paris Centre", "vous serez recontacté par un agent", "mardi 10 mars 2026"],
    ),
    MessageKind.APPOINTMENT_CONFIRMED: (
        {**APPOINTMENT, "note": "Apportez votre dernier avis d'imposition."},
        ["confirmé", "le mardi 10 mars 2026 à 10 h 30", "Apportez votre dernier avis"],
    ),
    MessageKind.APPOINTMENT_RESCHEDULED: (
        {
            **APPOINTMENT,
            "starts_at": "2026-03-12T13:00:00+00:00",
            "ends_at": "2026-03-12T13:30:00+00:00",
            "previous_starts_at": "2026-03-10T09:30:00+00:00",
            "previous_ends_at": "2026-03-10T10:00:00+00:00",
            "sequence": 2,
            "confirmed": True,
        },
        ["du mardi 10 mars 2026 à 10 h 30", "au jeudi 12 mars 2026 à 14 h 00"],
    ),
    MessageKind.APPOINTMENT_REMINDER: (APPOINTMENT, ["demain, mardi 10 mars 2026 à 10 h 30"]),
    MessageKind.APPOINTMENT_CANCELLED: (
        {**APPOINTMENT, "cancelled_by": "person", "explanation": "", "next_free_slots": []},
        ["annulation", "RDV-2026-000123"],
    ),
}
