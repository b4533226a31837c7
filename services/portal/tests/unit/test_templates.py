"""What a page writes for states the platform in-process does not reach on any given day:
« Payer » withheld, with cotisations' reason and the day it opens."""

from __future__ import annotations

from typing import Any

from portal.domain.visit import Visit
from portal.entrypoints.web import templates


def _render(name: str, **context: Any) -> str:
    base = {
        "title": "Mes cotisations",
        "visit": Visit(access_token="t", actor="assure", affiliate_id="aff-1"),
        "csrf": "jeton",
        "flash": "",
        "brand": False,
        "site_title": "Mon compte — site de démonstration",
        "path": "/cotisations",
    }
    return templates().env.get_template(name).render({**base, **context})


ACCOUNT = {
    "category": "artisan",
    "periodicity": "quarterly",
    "debit_day": 5,
    "year": 2027,
    "provisional_total": "4800.00",
    "standing": None,
    "echeancier": [{"due_date": "2027-02-05", "amount": "1200.00", "payment": "upcoming",
                    "outstanding": "1200.00"}],
}  # fmt: skip


def test_payer_is_withheld_with_the_reason_and_the_day_it_opens() -> None:
    payables = {
        "mandate": None,
        "payables": [
            {"reference": "instalment:2027-02-05", "kind": "current", "due_date": "2027-02-05",
             "amount": "1200.00", "payable": False, "reason_code": "not-open-yet",
             "reason": "le télépaiement ouvre 3 semaines avant l'échéance",
             "opens_on": "2027-01-15"},
            {"reference": "debt:regularisation:2025", "kind": "debt", "due_date": "2026-11-05",
             "amount": "1234.56", "payable": True, "reason": None, "opens_on": None},
        ],
    }  # fmt: skip
    page = _render(
        "cotisations.html",
        account=ACCOUNT,
        payables=payables,
        payments={"payments": [], "total": 0},
        base="/cotisations",
    )
    assert (
        "« Payer » n'est pas proposé : le télépaiement ouvre 3 semaines avant l&#39;échéance "
        "(à partir du 15 janvier 2027)"
    ) in page
    assert 'href="/cotisations/payer?reference=debt%3Aregularisation%3A2025"' in page
    assert "1\u00a0234,56\u00a0€" in page
    assert "5 février 2027" in page
    assert "Trimestrielle" in page
