"""Every domain refusal has its problem document, in the one table."""

from __future__ import annotations

from notifications.domain import errors
from notifications.entrypoints.problems import PROBLEMS, to_problem


def _all(cls: type[errors.NotificationsError]) -> set[type[errors.NotificationsError]]:
    found: set[type[errors.NotificationsError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all(sub)
    return found


def test_every_domain_error_is_in_the_one_table() -> None:
    missing = {cls.__name__ for cls in _all(errors.NotificationsError) if cls not in PROBLEMS}
    assert missing == set()


def test_the_operators_refusals_keep_their_status_type_and_french_detail() -> None:
    assert to_problem(errors.DeliveryNotFound("nope")).body() == {
        "type": "https://mon-compte.example/problems/delivery-not-found",
        "title": "Ressource introuvable",
        "status": 404,
        "detail": "Aucune remise nope.",
    }
    assert to_problem(errors.DeliveryNotParked("d-1", "sent")).body() == {
        "type": "https://mon-compte.example/problems/delivery-not-parked",
        "title": "Conflit",
        "status": 409,
        "detail": "La remise d-1 n'est pas en attente d'intervention.",
    }
    conflict = to_problem(errors.DeliveryStateConflict("d-1", "sent", "send")).body()
    assert (conflict["status"], conflict["type"].rsplit("/", 1)[-1]) == (
        409,
        "delivery-state-conflict",
    )
