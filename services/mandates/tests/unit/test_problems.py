"""Every domain refusal has its problem document, and a client's refusal is answered under
the code its import row shows."""

from __future__ import annotations

from mandates.domain import errors
from mandates.entrypoints.problems import PROBLEMS, to_problem


def _all(cls: type[errors.MandatesError]) -> set[type[errors.MandatesError]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all(sub)
    return found


def test_every_domain_error_is_in_the_one_table() -> None:
    missing = {cls.__name__ for cls in _all(errors.MandatesError) if cls not in PROBLEMS}
    assert missing == set()


def test_a_clients_refusal_is_answered_under_its_report_code() -> None:
    for cls in _all(errors.ClientRefused):
        assert PROBLEMS[cls].kind == cls.code, cls.__name__


def test_a_problem_says_the_rule_in_french_with_its_members() -> None:
    wrong = to_problem(errors.KeyMismatch(3)).body()
    assert wrong == {
        "type": "https://mon-compte.example/problems/wrong-key",
        "title": "Clé erronée",
        "status": 422,
        "detail": "la clé ne correspond pas à cette demande ; il reste 3 essai(s)",
        "attempts_left": 3,
    }
    refused = to_problem(errors.SpreadsheetRefused("zip_bomb", "Refusé.")).body()
    assert (refused["type"].rsplit("/", 1)[-1], refused["status"]) == ("zip_bomb", 422)
    right = to_problem(errors.RightMissing("clients")).body()
    assert (right["status"], right["right"]) == (403, "clients")
    assert "gestion des clients" in right["detail"]
