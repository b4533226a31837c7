"""« Valider le paiement »: a payment split over up to three bank accounts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cotisations.domain.payments.bank_account import checked_iban
from cotisations.domain.payments.payer import amount_paid
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid
from cotisations.domain.payments.split import Part, check_changeable, validate
from cotisations.domain.payments.telepayment import PayableKind

PARIS = ZoneInfo("Europe/Paris")
IBAN_A = "FR76 3000 6000 0112 3456 7890 189"
IBAN_B = "FR1420041010050500013M02606"
IBAN_C = "DE89370400440532013000"
# a valid ISO checksum but a wrong French RIB key (88 instead of 89)
IBAN_BAD_RIB = "FR0630006000011234567890188"
IBAN_BAD_CHECKSUM = "FR7730006000011234567890189"


def test_a_payment_over_three_accounts_says_what_is_debited_from_where_and_when() -> None:
    plan = validate(
        Decimal("1000.00"),
        [
            Part(IBAN_A, Decimal("500.00")),
            Part(IBAN_B, Decimal("333.33")),
            Part(IBAN_C, Decimal("166.67")),
        ],
        due_date=date(2026, 5, 5),
        paid_on=date(2026, 4, 20),
        departement="75",
    )
    assert [(p.iban, p.amount) for p in plan.parts] == [
        ("FR7630006000011234567890189", Decimal("500.00")),
        ("FR1420041010050500013M02606", Decimal("333.33")),
        ("DE89370400440532013000", Decimal("166.67")),
    ]
    assert plan.debit_on == date(2026, 5, 5)
    assert plan.changeable_until == datetime(2026, 5, 4, 12, 0, tzinfo=PARIS)


def test_the_debit_is_on_the_moved_due_date_and_changeable_until_noon_the_day_before() -> None:
    plan = validate(
        Decimal("10"),
        [Part(IBAN_A, Decimal("10"))],
        due_date=date(2028, 8, 5),
        paid_on=date(2028, 7, 20),
        departement="75",
    )
    assert plan.debit_on == date(2028, 8, 7)
    assert plan.changeable_until == datetime(2028, 8, 6, 12, 0, tzinfo=PARIS)


def test_a_debt_already_due_is_debited_the_day_it_is_paid_or_the_next_working_day() -> None:
    plan = validate(
        Decimal("10"),
        [Part(IBAN_A, Decimal("10"))],
        due_date=date(2025, 2, 5),
        paid_on=date(2026, 6, 6),
        departement="75",
    )
    assert plan.debit_on == date(2026, 6, 8)  # Saturday → Monday


@pytest.mark.parametrize(
    ("amount", "parts", "field", "words"),
    [
        (
            Decimal("100.00"),
            [Part(IBAN_A, Decimal("60.00")), Part(IBAN_B, Decimal("39.99"))],
            "parts",
            "La somme des parts (99,99 €) doit être égale au montant à payer (100,00 €)",
        ),
        (
            Decimal("100.00"),
            [Part(IBAN_A, Decimal("60.00")), Part(IBAN_B, Decimal("40.01"))],
            "parts",
            "égale au montant",
        ),
        (
            Decimal("100.005"),
            [Part(IBAN_A, Decimal("100.005"))],
            "amount",
            "deux décimales au plus",
        ),
        (
            Decimal("100.00"),
            [Part(IBAN_A, Decimal("99.995")), Part(IBAN_B, Decimal("0.005"))],
            "amount",
            "deux décimales au plus",
        ),
        (Decimal("100.00"), [], "parts", "au moins un compte"),
        (
            Decimal("4.00"),
            [
                Part(IBAN_A, Decimal(1)),
                Part(IBAN_B, Decimal(1)),
                Part(IBAN_C, Decimal(1)),
                Part("FR7630004000031234567890143", Decimal(1)),
            ],
            "parts",
            "3 comptes bancaires au plus",
        ),
        (
            Decimal("2.00"),
            [Part(IBAN_A, Decimal(1)), Part(IBAN_A.replace(" ", ""), Decimal(1))],
            "parts",
            "compte différent",
        ),
        (
            Decimal("2.00"),
            [Part(IBAN_A, Decimal(3)), Part(IBAN_B, Decimal(-1))],
            "parts",
            "doit être positif",
        ),
        (Decimal("0.00"), [Part(IBAN_A, Decimal(0))], "amount", "doit être positif"),
        (Decimal("1.00"), [Part(IBAN_BAD_RIB, Decimal(1))], "iban", "n'est pas un IBAN valide"),
        (
            Decimal("1.00"),
            [Part(IBAN_BAD_CHECKSUM, Decimal(1))],
            "iban",
            "n'est pas un IBAN valide",
        ),
        (Decimal("1.00"), [Part("FR76", Decimal(1))], "iban", "n'est pas un IBAN valide"),
    ],
)
def test_a_bad_split_is_refused_in_french(
    amount: Decimal, parts: list[Part], field: str, words: str
) -> None:
    with pytest.raises(PaymentInputInvalid) as refused:
        validate(
            amount, parts, due_date=date(2026, 5, 5), paid_on=date(2026, 4, 20), departement="75"
        )
    assert refused.value.field == field
    assert words in refused.value.message


def test_the_french_rib_key_is_checked() -> None:
    assert checked_iban(IBAN_A) == "FR7630006000011234567890189"
    with pytest.raises(PaymentInputInvalid):
        checked_iban(IBAN_BAD_RIB)


def test_the_amount_can_be_changed_until_noon_paris_time_the_day_before() -> None:
    plan = validate(
        Decimal("10"),
        [Part(IBAN_A, Decimal("10"))],
        due_date=date(2026, 5, 5),
        paid_on=date(2026, 4, 20),
        departement="75",
    )
    check_changeable(plan, datetime(2026, 5, 4, 11, 59, 59, tzinfo=PARIS))
    # 09:59 UTC is 11:59 in Paris in May (summer time)
    check_changeable(plan, datetime(2026, 5, 4, 9, 59, tzinfo=ZoneInfo("UTC")))
    with pytest.raises(PaymentConflict) as refused:
        check_changeable(plan, datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("UTC")))
    assert refused.value.code == "telepayment-locked"
    assert "jusqu'à midi la veille du prélèvement" in refused.value.message
    assert "4 mai 2026 à 12 h 00" in refused.value.message


@pytest.mark.parametrize(
    ("kind", "asked", "paid", "words"),
    [
        (PayableKind.CURRENT, None, Decimal("114.75"), None),
        (PayableKind.DEBT, Decimal("100"), Decimal("100.00"), None),
        (PayableKind.CURRENT, Decimal("114.75"), Decimal("114.75"), None),
        (PayableKind.DEBT, Decimal("114.76"), None, "ne peut dépasser le montant dû (114,75 €)"),
        (PayableKind.CURRENT, Decimal("0"), None, "doit être positif"),
        (PayableKind.DEBT, Decimal("10.001"), None, "deux décimales au plus"),
        (PayableKind.PLAN_INSTALMENT, Decimal("114.75"), Decimal("114.75"), None),
        (PayableKind.PLAN_INSTALMENT, Decimal("50.00"), None, "se règle en entier : 114,75 €"),
    ],
)
def test_less_than_what_is_owed_may_be_paid_never_more_and_a_plan_instalment_whole(
    kind: PayableKind, asked: Decimal | None, paid: Decimal | None, words: str | None
) -> None:
    owed = Decimal("114.75")
    if words is None:
        assert amount_paid(kind, owed, asked) == paid
    else:
        with pytest.raises(PaymentInputInvalid, match=re.escape(words)):
            amount_paid(kind, owed, asked)
