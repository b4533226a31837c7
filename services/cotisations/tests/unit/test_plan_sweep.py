"""The worker's daily sweep of payment-delay plans, on fakes: a plan whose instalment is
unpaid the day after its due date ends once, its remainder a debt due at once in the ledger,
``payment_plan_ended`` published once; a plan paid on time, or swept again, is left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contracts.cotisations import v1
from cotisations.domain import payment_commands as pay
from cotisations.domain.payments.ledger import Entry, Ledger, standing
from cotisations.domain.payments.plan_ledger import ended_debt_reference, grant_entries, post_all
from cotisations.domain.payments.plans import Debt, PaymentPlan, PlanStatus, preview
from cotisations.service_layer.telepayment_handlers import PlanSweep
from cotisations_fakes import Service, service
from cotisations_samples import NOW

TODAY = NOW.date()


def _granted(svc: Service, plan_id: str, affiliate_id: str) -> PaymentPlan:
    debt = Debt(f"debt:rejection-{plan_id}", Decimal("900.00"), TODAY - timedelta(days=30))
    plan = PaymentPlan.request(plan_id, affiliate_id, preview([debt], 3, TODAY, "75"), TODAY)
    assert plan.status is PlanStatus.GRANTED
    held = Ledger(affiliate_id)
    held.post(
        Entry(
            f"rejection:{plan_id}", "rejection", debt.amount, TODAY, debt.due_date, debt.reference
        )
    )
    post_all(held, grant_entries(plan, [debt], TODAY))
    svc.uow.committed_ledgers[affiliate_id] = held.entries
    svc.uow.committed_telepayment.plans[plan_id] = plan
    svc.uow._fresh()
    return plan


async def _sweep(svc: Service) -> PlanSweep:
    result: PlanSweep = await svc.bus.handle(pay.SweepMissedPlans())
    return result


async def test_a_missed_instalment_ends_its_plan_once_and_a_plan_paid_on_time_runs_on() -> None:
    svc = service()
    missed = _granted(svc, "p-missed", "aff-1")
    paid = _granted(svc, "p-paid", "aff-2")
    svc.uow.committed_telepayment.plans["p-paid"] = paid.pay(1)
    svc.uow._fresh()
    first_due = missed.instalments[0].due_date
    svc.clock.set(datetime.combine(first_due, NOW.timetz()).astimezone(UTC))
    assert (await _sweep(svc)).ended == ()  # the due date itself: still payable
    svc.clock.set(svc.clock.now() + timedelta(days=1))
    swept = await _sweep(svc)
    assert swept.ended == ("p-missed",)
    assert svc.uow.committed_telepayment.plans["p-missed"].status is PlanStatus.ENDED
    assert svc.uow.committed_telepayment.plans["p-paid"].status is PlanStatus.GRANTED
    (event,) = svc.uow.outbox.of_type(v1.PaymentPlanEndedV1)
    assert event.plan_id == "p-missed"
    assert event.remaining == f"{missed.total:.2f}"
    assert event.standing is not None  # what an attestations reader keeps
    assert event.standing.balance_due == f"{missed.total:.2f}"
    assert event.standing.up_to_date  # the remainder is due today, overdue from tomorrow
    entries = svc.uow.committed_ledgers["aff-1"]
    shown = standing(entries, svc.clock.now().date())
    due = {o.reference: o.outstanding for o in shown.obligations if o.outstanding > 0}
    assert due == {ended_debt_reference("p-missed"): missed.total}
    assert (await _sweep(svc)).ended == ()  # again the same day, or by a second copy
    assert len(svc.uow.outbox.of_type(v1.PaymentPlanEndedV1)) == 1
    assert svc.uow.committed_ledgers["aff-1"] == entries
