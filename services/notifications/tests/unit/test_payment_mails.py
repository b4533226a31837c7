"""The mails of the payments: who reads each, named as they know the account."""

from __future__ import annotations

from typing import TypeVar

from contracts.cotisations import v1 as cotisations_v1
from notifications.adapters.templates import TemplateRenderer
from notifications.domain.directory import CabinetUser
from notifications_events import CLAIRE, SAMPLE_PAYLOADS, affiliate, incoming
from notifications_fakes import FakeNotifications

T = TypeVar("T")


def _sample(cls: type[T]) -> T:
    return next(p for p in SAMPLE_PAYLOADS if isinstance(p, cls))


async def _app() -> FakeNotifications:
    app = FakeNotifications(renderer=TemplateRenderer())
    await app.record_affiliate(incoming(affiliate()))
    for user in (
        CabinetUser("acc-claire", "cab-1", "Claire Martin", "claire@cabinet.fr", ("pay", "read")),
        CabinetUser("acc-marc", "cab-1", "Marc Petit", "marc@cabinet.fr", ("read",)),
        CabinetUser("acc-luc", "cab-1", "Luc Blanc", "luc@cabinet.fr", ("pay",), active=False),
        CabinetUser("acc-anne", "cab-1", "Anne Roy", None, ("pay",)),
    ):
        await app.uow.cabinet_users.put(user)
    return app


async def test_a_rejection_goes_to_the_client_and_to_the_firm_users_who_may_pay_today() -> None:
    app = await _app()
    rejected = _sample(cotisations_v1.PaymentRejectedV1).model_copy(
        update={"firm_users": ["acc-claire", "acc-marc", "acc-luc", "acc-anne", "acc-claire"]}
    )
    await app.plan(incoming(rejected))
    await app.dispatch()
    told = {m.to: m.content.text for m in app.email.sent}
    assert sorted(told) == ["claire@cabinet.fr", "jean@dupont.fr"]  # not without pay, not
    # suspended, not without an address, Claire once
    assert "Votre prélèvement de 310,00 €" in told["jean@dupont.fr"]
    assert "de votre client Jean Dupont" in told["claire@cabinet.fr"]
    assert "Bonjour Claire Martin" in told["claire@cabinet.fr"]
    assert "provision insuffisante" in told["claire@cabinet.fr"]


async def test_a_rejection_replayed_sends_nothing_twice() -> None:
    app = await _app()
    rejected = _sample(cotisations_v1.PaymentRejectedV1).model_copy(
        update={"firm_users": ["acc-claire"]}
    )
    event = incoming(rejected)
    await app.plan(event)
    await app.plan(event)
    await app.dispatch()
    assert sorted(m.to for m in app.email.sent) == ["claire@cabinet.fr", "jean@dupont.fr"]


async def test_a_telepayment_is_confirmed_to_the_client_and_to_the_firm_user_who_made_it() -> None:
    app = await _app()
    await app.plan(incoming(_sample(cotisations_v1.PaymentRecordedV1)))
    await app.dispatch()
    told = {m.to: m.content.text for m in app.email.sent}
    assert sorted(told) == [CLAIRE.email, "jean@dupont.fr"]
    assert "Votre télépaiement est enregistré" in told["jean@dupont.fr"]
    assert "pour le compte de Jean Dupont" in told[CLAIRE.email]
    assert "5 février 2026" in told[CLAIRE.email]


async def test_a_direct_debit_or_an_agent_recorded_payment_sends_no_confirmation() -> None:
    app = await _app()
    telepayment = _sample(cotisations_v1.PaymentRecordedV1)
    for mode in ("prelevement", "cheque", "virement"):
        await app.plan(
            incoming(telepayment.model_copy(update={"mode": mode, "requested_by": None}))
        )
    await app.dispatch()
    assert app.email.sent == []


async def test_a_plan_the_rule_grants_at_once_is_told_once_by_its_grant() -> None:
    app = await _app()
    requested = _sample(cotisations_v1.PaymentPlanRequestedV1).model_copy(
        update={"decision": "rule"}
    )
    await app.plan(incoming(requested))
    await app.plan(incoming(_sample(cotisations_v1.PaymentPlanGrantedV1)))
    await app.dispatch()
    assert [(m.to, m.content.subject) for m in app.email.sent] == [
        ("jean@dupont.fr", "Délai de paiement accordé")
    ]


async def test_a_client_the_registry_does_not_know_yet_is_named_plainly() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await app.plan(incoming(_sample(cotisations_v1.PaymentPlanRequestedV1)))
    await app.dispatch()
    [mail] = app.email.sent
    assert mail.to == CLAIRE.email
    assert "pour le cotisant" in mail.content.text
