"""The agencies' reference file: the packaged one loads, a wrong one is refused in French."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from appointments.domain.agencies import Closure, OpeningPeriod, ReferenceError, parse_reference
from appointments.domain.calendar import is_known_departement
from appointments.domain.slots import slots_between
from appointments.reference import load_packaged_reference


def document() -> dict[str, Any]:
    return {
        "version": 1,
        "regions": [{"code": "GES", "name": "Grand Est"}, {"code": "IDF", "name": "Île-de-France"}],
        "reasons": [
            {
                "code": "cotisations-delai",
                "object_label": "Mes cotisations",
                "reason_label": "Demander un délai de paiement",
                "channels": ["agence", "telephone"],
            }
        ],
        "agencies": [
            {
                "agency_id": "agence-metz",
                "region": "GES",
                "name": "Agence de Metz",
                "address": "29 rue du Général Franiatte, 57000 Metz",
                "departement": "57",
                "accessibility": "Ascenseur, boucle magnétique",
                "channels": ["agence", "telephone"],
                "opening_hours": [
                    {"weekday": 0, "opens": "08:30", "closes": "12:00"},
                    {"weekday": 0, "opens": "13:30", "closes": "16:30"},
                    {"weekday": 2, "opens": "08:30", "closes": "12:00"},
                ],
                "closures": [
                    {"first_day": "2026-08-10", "last_day": "2026-08-14", "label": "Travaux"}
                ],
                "slot_minutes": 30,
                "default_capacity": 3,
                "version": 2,
            }
        ],
    }


def test_a_good_document_is_read_whole() -> None:
    data = parse_reference(document())
    metz = data.agency("agence-metz")
    assert metz is not None
    assert metz.region == "GES"
    assert metz.version == 2
    assert metz.channels == ("agence", "telephone")
    assert metz.opening_hours[1] == OpeningPeriod(0, time(13, 30), time(16, 30))
    assert metz.closures == (Closure(date(2026, 8, 10), date(2026, 8, 14), "Travaux"),)
    assert metz.is_closed_on(date(2026, 8, 12))
    assert not metz.is_closed_on(date(2026, 8, 15))
    reason = data.reason("cotisations-delai")
    assert reason is not None
    assert reason.reason_label == "Demander un délai de paiement"
    assert data.region("IDF") is not None
    assert data.agency("agence-nancy") is None


Edit = Callable[[dict[str, Any]], None]


def agency_field(field: str, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["agencies"][0][field] = value

    return edit


def period(index: int, **values: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["agencies"][0]["opening_hours"][index].update(values)

    return edit


def add_period(weekday: int, opens: str, closes: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["agencies"][0]["opening_hours"].append(
            {"weekday": weekday, "opens": opens, "closes": closes}
        )

    return edit


def duplicate_agency(doc: dict[str, Any]) -> None:
    doc["agencies"].append(copy.deepcopy(doc["agencies"][0]))


def duplicate_region(doc: dict[str, Any]) -> None:
    doc["regions"].append({"code": "GES", "name": "Grand Est bis"})


def duplicate_reason(doc: dict[str, Any]) -> None:
    doc["reasons"].append(copy.deepcopy(doc["reasons"][0]))


def reason_channel(doc: dict[str, Any]) -> None:
    doc["reasons"][0]["channels"] = ["courrier"]


def closure_backwards(doc: dict[str, Any]) -> None:
    doc["agencies"][0]["closures"][0]["last_day"] = "2026-08-01"


def closure_date(doc: dict[str, Any]) -> None:
    doc["agencies"][0]["closures"][0]["first_day"] = "10/08/2026"


def drop_field(field: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        del doc["agencies"][0][field]

    return edit


def file_version(doc: dict[str, Any]) -> None:
    doc["version"] = 2


METZ = "Agence « agence-metz », champ"
ERRORS: list[tuple[str, Edit, str]] = [
    (
        "overlapping periods",
        add_period(0, "11:00", "14:00"),
        f"{METZ} « opening_hours[3] » : le lundi de 11:00 à 14:00 chevauche la période de "
        "08:30 à 12:00.",
    ),
    (
        "closes before opens",
        period(2, opens="12:00", closes="08:30"),
        f"{METZ} « opening_hours[2] » : le mercredi de 12:00 à 08:30, la fermeture doit suivre "
        "l'ouverture.",
    ),
    (
        "closes equal to opens",
        period(2, closes="08:30"),
        f"{METZ} « opening_hours[2] » : le mercredi de 08:30 à 08:30, la fermeture doit suivre "
        "l'ouverture.",
    ),
    (
        "slot_minutes not dividing a period",
        period(2, closes="12:15"),
        f"{METZ} « opening_hours[2] » : le mercredi de 08:30 à 12:15, la durée n'est pas un "
        "multiple de 30 minutes.",
    ),
    (
        "a time not in HH:MM",
        period(0, opens="8h30"),
        f"{METZ} « opening_hours[0] » : l'heure « 8h30 » n'est pas au format HH:MM.",
    ),
    (
        "a weekday out of the week",
        period(0, weekday=7),
        f"{METZ} « opening_hours[0] » : le jour « 7 » n'est pas entre 0 (lundi) et 6.",
    ),
    (
        "unknown region",
        agency_field("region", "XYZ"),
        f"{METZ} « region » : la région « XYZ » est inconnue.",
    ),
    (
        "unknown département",
        agency_field("departement", "20"),
        f"{METZ} « departement » : le département « 20 » est inconnu.",
    ),
    (
        "duplicate agency id",
        duplicate_agency,
        "Agence « agence-metz » : cet identifiant figure deux fois.",
    ),
    ("duplicate region", duplicate_region, "Région « GES » : cet identifiant figure deux fois."),
    (
        "duplicate reason",
        duplicate_reason,
        "Motif « cotisations-delai » : cet identifiant figure deux fois.",
    ),
    (
        "negative capacity",
        agency_field("default_capacity", -1),
        f"{METZ} « default_capacity » : la capacité ne peut pas être négative.",
    ),
    (
        "capacity not a number",
        agency_field("default_capacity", "3"),
        f"{METZ} « default_capacity » : un nombre entier est attendu.",
    ),
    (
        "unknown channel",
        agency_field("channels", ["agence", "guichet"]),
        f"{METZ} « channels » : le canal « guichet » est inconnu (attendus : agence, telephone, "
        "visio).",
    ),
    (
        "no channel",
        agency_field("channels", []),
        f"{METZ} « channels » : au moins un canal est attendu.",
    ),
    (
        "a channel twice",
        agency_field("channels", ["visio", "visio"]),
        f"{METZ} « channels » : un canal figure deux fois.",
    ),
    (
        "unknown channel of a reason",
        reason_channel,
        "Motif « cotisations-delai », champ « channels » : le canal « courrier » est inconnu "
        "(attendus : agence, telephone, visio).",
    ),
    (
        "slot_minutes zero",
        agency_field("slot_minutes", 0),
        f"{METZ} « slot_minutes » : la durée d'un créneau va de 5 à 240 minutes.",
    ),
    (
        "a closure ending before it starts",
        closure_backwards,
        f"{METZ} « closures[0] » : la fermeture finit (2026-08-01) avant de commencer "
        "(2026-08-10).",
    ),
    (
        "a closure date not ISO",
        closure_date,
        f"{METZ} « closures[0] » : la date « 10/08/2026 » n'est pas au format AAAA-MM-JJ.",
    ),
    (
        "a misspelt field",
        agency_field("opening_hour", []),
        f"{METZ} « opening_hour » : ce champ est inconnu.",
    ),
    ("a missing field", drop_field("name"), f"{METZ} « name » : ce champ est obligatoire."),
    (
        "closures not a list",
        agency_field("closures", {"first_day": "2026-08-10"}),
        f"{METZ} « closures » : une liste est attendue.",
    ),
    (
        "a period not an object",
        agency_field("opening_hours", ["lundi 8h30-12h"]),
        f"{METZ} « opening_hours[0] » : un objet est attendu.",
    ),
    (
        "an empty name",
        agency_field("name", "  "),
        f"{METZ} « name » : un texte non vide est attendu.",
    ),
    (
        "a version 0",
        agency_field("version", 0),
        f"{METZ} « version » : la version commence à 1.",
    ),
    (
        "a file version not read",
        file_version,
        "Fichier de référence, champ « version » : la version « 2 » n'est pas lue (attendue : 1).",
    ),
]


@pytest.mark.parametrize(("name", "edit", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_a_wrong_document_is_refused_in_french(name: str, edit: Edit, message: str) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(ReferenceError) as refused:
        parse_reference(doc)
    assert str(refused.value) == message


def test_optional_fields_may_be_left_out() -> None:
    doc = document()
    for field in ("accessibility", "closures", "version"):
        del doc["agencies"][0][field]
    metz = parse_reference(doc).agencies[0]
    assert (metz.accessibility, metz.closures, metz.version) == ("", (), 1)


def test_touching_periods_are_not_overlapping() -> None:
    doc = document()
    add_period(0, "12:00", "13:30")(doc)
    metz = parse_reference(doc).agencies[0]
    assert [p.opens for p in metz.opening_hours if p.weekday == 0] == [
        time(8, 30),
        time(12, 0),
        time(13, 30),
    ]


def test_the_packaged_file_loads() -> None:
    data = load_packaged_reference()
    regions = {r.code for r in data.regions}
    assert {"ARA", "BFC", "BRE", "CVL", "COR", "GES", "HDF", "IDF", "NOR", "NAQ", "OCC"} < regions
    assert {"PDL", "PAC"} < regions
    metropolitan = regions - {"GUA", "MTQ", "GUF", "REU", "MAY"}
    assert len(metropolitan) == 13
    assert {a.region for a in data.agencies} >= metropolitan
    by_departement = {a.departement: a for a in data.agencies}
    for departement in ("67", "57", "2A", "971"):
        assert departement in by_departement
    assert by_departement["67"].name == "Agence de Strasbourg"
    assert by_departement["971"].name == "Agence de Pointe-à-Pitre"
    for agency in data.agencies:
        assert is_known_departement(agency.departement)
        assert agency.slot_minutes == 30
        assert 2 <= agency.default_capacity <= 4
        assert agency.accessibility
        assert next(slots_between(agency, date(2026, 3, 9), date(2026, 3, 13)), None)
    labels = {(r.object_label, r.reason_label) for r in data.reasons}
    assert ("Mes cotisations", "Comprendre mon échéancier") in labels
    assert ("Mes cotisations", "Demander un délai de paiement") in labels
    assert ("Ma retraite", "Préparer mon départ à la retraite") in labels
    assert ("Ma santé", "Indemnités journalières") in labels
    assert ("Mon activité", "Création d'activité") in labels
    assert ("Mon activité", "Cessation d'activité") in labels
