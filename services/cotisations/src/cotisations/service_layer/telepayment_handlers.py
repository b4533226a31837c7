"""Use cases of telepayment and payment-delay plans (docs/rules.md §9).

Each loads what it needs in one unit of work: the account the caller may act on (delegated
access, as every route of the account: ``pay`` to pay or ask for a plan, ``read`` to see what
can be paid), its telepayment mandate, plans, telepayments and ledger; decides with the domain;
writes the outcome, the ledger's entries and the outgoing events (outbox) in the same
transaction. A plan whose instalment was missed is ended by the first use case that sees it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from servicekit.auth import Principal, Right

from cotisations.domain import payment_commands as cmds
from cotisations.domain.account import ContributionAccount
from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.payments import mandate as mandates
from cotisations.domain.payments import payer
from cotisations.domain.payments.bank_account import checked_iban
from cotisations.domain.payments.calls import ledger_start, missing_calls
from cotisations.domain.payments.direct_debit import Mandate, in_force
from cotisations.domain.payments.ledger import (
    Entry,
    Ledger,
    Standing,
    instalment_ref,
    paid_towards,
    standing,
)
from cotisations.domain.payments.plan_ledger import end_entries, grant_entries, post_all
from cotisations.domain.payments.plans import (
    Debt,
    PaymentPlan,
    PlanInstalment,
    PlanPreview,
    PlanStatus,
    preview,
)
from cotisations.domain.payments.refusals import (
    AgentOnly,
    PaymentConflict,
    PaymentItemNotFound,
)
from cotisations.domain.payments.split import DebitPlan, Part
from cotisations.domain.payments.telepayment import Payable, PayableKind
from cotisations.service_layer import telepayment_integration as out
from cotisations.service_layer.handlers import Dependencies, account_with, requester
from cotisations.service_layer.ports import CotisationsUnitOfWork

NO_MANDATE = (
    "Adhérez d'abord au télépaiement (« Payez vos cotisations en ligne ») : ce compte n'a pas "
    "de mandat de télépaiement actif."
)


@dataclass
class Context:
    account: ContributionAccount
    today: date
    debit_mandates: list[Mandate]
    """The account's SEPA direct-debit mandates: an instalment is on automatic debit when one
    of them is in force on its due date (not merely because the account's mode says so)."""
    ledger_from: date
    mandate: mandates.TelepaymentMandate | None
    plans: list[PaymentPlan]
    payments: list[payer.Telepayment]
    ledger: Ledger
    ended: list[tuple[PaymentPlan, PlanInstalment, datetime]]
    """The plans this unit of work found with a missed instalment, the instalment, when."""

    @property
    def shown(self) -> list[payer.Shown]:
        return payer.payables(
            self.instalments(),
            self.debts(),
            self.plans,
            self.paid(),
            self.today,
            debited=lambda due: in_force(self.debit_mandates, due) is not None,
            departement=self.account.departement,
        )

    @property
    def on_direct_debit(self) -> bool:
        """A direct-debit mandate is in force today."""
        return in_force(self.debit_mandates, self.today) is not None

    def instalments(self) -> list[tuple[date, Decimal]]:
        """The instalments « Payer » is shown next to: this year's from the day the ledger took
        the account over, and next year's due within a month (in December, January's, whose
        window opens three weeks before it)."""
        horizon = self.today + timedelta(days=31)
        called = {
            o.reference: o.outstanding
            for o in standing(self.ledger.entries, self.today).obligations
            if o.reference.startswith("instalment:")
        }
        listed: list[tuple[date, Decimal]] = []
        for year in (self.today.year, self.today.year + 1):
            try:
                schedule = self.account.schedule(year)
            except ComputationInputInvalid:  # a year the rules do not cover yet
                continue
            listed += [
                (i.due_date, self._left_of(instalment_ref(i.due_date), i.amount, called))
                for i in schedule
                if self.ledger_from <= i.due_date
                and (year == self.today.year or i.due_date <= horizon)
            ]
        return listed

    def _left_of(self, reference: str, amount: Decimal, called: dict[str, Decimal]) -> Decimal:
        """What is left to pay of an instalment: its outstanding once called, else its amount
        less the payments already naming it (a telepayment of part of it, once answered)."""
        if reference in called:
            return called[reference]
        return amount - paid_towards(self.ledger.entries, reference)

    def paid(self) -> set[str]:
        by_telepayment = {p.reference for p in self.payments if p.status in payer.LIVE}
        settled = standing(self.ledger.entries, self.today)
        in_ledger = {o.reference for o in settled.obligations if o.outstanding == 0}
        return by_telepayment | in_ledger

    def without(self, payment: payer.Telepayment) -> Context:
        """The account as it would be had ``payment`` not been made: what it pays is then
        owed again (how much a change of it may pay)."""
        key = entry_key(payment.payment_id)
        return replace(
            self,
            payments=[p for p in self.payments if p.payment_id != payment.payment_id],
            ledger=Ledger(
                self.ledger.affiliate_id, [e for e in self.ledger.entries if e.key != key]
            ),
            ended=[],
        )

    def debts(self) -> list[Payable]:
        """What the ledger holds as debts still owed: a regularisation's balance due (its call,
        ``debt:regularisation:<year>``), what a rejected debit left owed and the balance owed
        in the former books (``debt:opening``). What remains of an
        ended plan is listed from the plan (``payer.payables``)."""
        settled = standing(self.ledger.entries, self.today)
        return [
            Payable(o.reference, PayableKind.DEBT, o.due_date, o.outstanding)
            for o in settled.obligations
            if o.outstanding > 0
            and (
                o.kind in ("rejection", "opening")
                or (o.kind == "call" and o.reference.startswith("debt:regularisation:"))
            )
        ]

    def debts_of(self, plan: PaymentPlan) -> list[Debt]:
        """The debts a plan reschedules, as they stand today."""
        return [
            Debt(p.reference, p.amount, p.due_date)
            for p in self.debts() + self._ended_debts()
            if p.reference in plan.debt_references
        ]

    def plan_debts(self) -> list[Debt]:
        shown = {s.payable.reference for s in self.shown}
        return [
            Debt(p.reference, p.amount, p.due_date)
            for p in self.debts() + self._ended_debts()
            if p.reference in shown
        ]

    def _ended_debts(self) -> list[Payable]:
        return [
            Payable(f"debt:plan-{p.plan_id}", PayableKind.DEBT, p.ended_on, p.remaining)
            for p in self.plans
            if p.status is PlanStatus.ENDED and p.ended_on is not None
        ]

    def last_broken_on(self) -> date | None:
        return max((p.ended_on for p in self.plans if p.ended_on is not None), default=None)

    def standing(self) -> Standing:
        return standing(self.ledger.entries, self.today)


async def _context(
    uow: CotisationsUnitOfWork,
    principal: Principal,
    affiliate_id: str,
    right: Right,
    now: datetime,
    since: date,
) -> Context:
    """What a use case needs; the calls fallen due are posted to the ledger read (a write
    that saves the ledger keeps them, a read writes nothing)."""
    account = await account_with(principal, affiliate_id, uow, right)
    today = now.date()
    ledger = await uow.ledgers.get(affiliate_id)
    for call in missing_calls(account, ledger, today, since):
        ledger.post(call)
    repo = uow.telepayment
    plans: list[PaymentPlan] = []
    ended: list[tuple[PaymentPlan, PlanInstalment, datetime]] = []
    for stored in await repo.plans(affiliate_id):
        missed = stored.missed(today)
        plan = stored.end_if_missed(today)
        if missed is not None:
            ended.append((plan, missed, now))
        plans.append(plan)
    return Context(
        account=account,
        today=today,
        debit_mandates=await uow.mandates.of_account(affiliate_id),
        ledger_from=ledger_start(account, since),
        mandate=await repo.active_mandate(affiliate_id),
        plans=plans,
        payments=await repo.payments(affiliate_id),
        ledger=ledger,
        ended=ended,
    )


async def _write_ended(uow: CotisationsUnitOfWork, ctx: Context) -> None:
    """The plans found with a missed instalment end: their unpaid instalments become one debt
    due at once in the ledger, and ``payment_plan_ended`` is published."""
    for plan, missed, at in ctx.ended:
        await uow.telepayment.save_plan(plan)
        post_all(ctx.ledger, end_entries(plan, ctx.ledger, ctx.today))
        event = out.plan_ended(plan, missed, at, ctx.standing())
        await uow.outbox.add(event, subject=plan.affiliate_id)
    if ctx.ended:
        await uow.ledgers.save(ctx.ledger)
    ctx.ended.clear()


# -- adhesion ---------------------------------------------------------------------------------


async def adhere(
    cmd: cmds.AdhereTelepayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> mandates.TelepaymentMandate:
    """The adhesion form; refused when another account of the same person has a mandate.
    Telepayment becomes the account's mode of payment unless a direct-debit mandate is in
    force (then it serves for debts and plan instalments only)."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        iban = checked_iban(cmd.form.iban)
        signed = mandates.adhere(
            uuid.uuid4().hex,
            cmd.affiliate_id,
            ctx.account.holder_name,
            cmd.form,
            now,
            on_this_account=ctx.mandate,
            elsewhere=await uow.telepayment.active_mandates_on(iban),
        )
        await uow.telepayment.add_mandate(signed)
        if not await uow.telepayment.direct_debit_in_force(cmd.affiliate_id, ctx.today):
            ctx.account.payment_mode = "telepaiement"
            await uow.accounts.save(ctx.account)
        await uow.outbox.add(out.mandate_signed(signed), subject=cmd.affiliate_id)
        await _write_ended(uow, ctx)
        await uow.commit()
    return signed


async def revoke(
    cmd: cmds.RevokeTelepayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> mandates.TelepaymentMandate:
    """The mandate is revoked; an account whose mode was telepayment pays by cheque or
    transfer from then on. Telepayments already made are still debited."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        if ctx.mandate is None:
            raise PaymentItemNotFound(
                "Ce compte n'a pas de mandat de télépaiement actif.",
                "telepayment-mandate-not-found",
            )
        revoked = ctx.mandate.revoke(now)
        await uow.telepayment.save_mandate(revoked)
        if ctx.account.payment_mode == "telepaiement":
            ctx.account.payment_mode = "cheque"
            await uow.accounts.save(ctx.account)
        await uow.outbox.add(out.mandate_revoked(revoked), subject=cmd.affiliate_id)
        await _write_ended(uow, ctx)
        await uow.commit()
    return revoked


# -- « Payer » --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayablesView:
    affiliate_id: str
    mandate: mandates.TelepaymentMandate | None
    shown: list[payer.Shown]
    payments: list[payer.Telepayment]


async def read_payables(
    cmd: cmds.ReadPayables, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PayablesView:
    async with uow:
        ctx = await _context(
            uow, cmd.principal, cmd.affiliate_id, "read", deps.clock.now(), deps.ledger_opens_on
        )
        return PayablesView(cmd.affiliate_id, ctx.mandate, ctx.shown, ctx.payments)


def _parts(ctx: Context, parts: tuple[Part, ...], amount: Decimal) -> list[Part]:
    """The parts asked; none: the whole amount on the mandate's account."""
    if ctx.mandate is None:
        raise PaymentConflict(NO_MANDATE, code="telepayment-mandate-missing")
    return list(parts) or [Part(ctx.mandate.iban, amount)]


@dataclass(frozen=True)
class TelepaymentResult:
    payment: payer.Telepayment
    debit: DebitPlan


async def preview_telepayment(
    cmd: cmds.PreviewTelepayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> TelepaymentResult:
    """« Valider le paiement »: what will be debited, from which accounts, when."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        shown = payer.choose(ctx.shown, cmd.reference)
        parts = _parts(ctx, cmd.parts, shown.payable.amount if cmd.amount is None else cmd.amount)
        made = payer.pay(
            "preview",
            cmd.affiliate_id,
            shown,
            parts,
            now,
            _by(cmd.principal),
            ctx.account.departement,
            cmd.amount,
        )
    return TelepaymentResult(made, made.debit)


def _by(principal: Principal) -> str:
    return f"{principal.actor}:{principal.subject}"


def entry_key(payment_id: str) -> str:
    return f"telepayment:{payment_id}"


async def make_telepayment(
    cmd: cmds.MakeTelepayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> TelepaymentResult:
    """The telepayment is recorded and posted to the ledger as a pending payment of its
    amount, debited on its day; a plan instalment counts as paid from then."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        shown = payer.choose(ctx.shown, cmd.reference)
        parts = _parts(ctx, cmd.parts, shown.payable.amount if cmd.amount is None else cmd.amount)
        made = payer.pay(
            uuid.uuid4().hex,
            cmd.affiliate_id,
            shown,
            parts,
            now,
            _by(cmd.principal),
            ctx.account.departement,
            cmd.amount,
        )
        await uow.telepayment.add_payment(made)
        key = entry_key(made.payment_id)
        ctx.ledger.post(
            Entry(
                key=key,
                kind="payment",
                amount=-made.debit.amount,
                booked_on=ctx.today,
                value_date=made.debit.debit_on,
                obligation=made.reference,
                mode="telepaiement",
                status="pending",
                external_reference=made.payment_id,
            )
        )
        await uow.ledgers.save(ctx.ledger)
        if made.kind is PayableKind.PLAN_INSTALMENT:
            _, plan_id, number = made.reference.split(":")
            plan = next(p for p in ctx.plans if p.plan_id == plan_id)
            await uow.telepayment.save_plan(plan.pay(int(number)))
        await uow.outbox.add(
            out.payment_recorded(
                made,
                key,
                ctx.standing(),
                requester(cmd.principal) if cmd.principal.actor == "cabinet_user" else None,
            ),
            subject=cmd.affiliate_id,
        )
        await _write_ended(uow, ctx)
        await uow.commit()  # a concurrent one breaks the unique reference: never paid twice
    return TelepaymentResult(made, made.debit)


async def change_telepayment(
    cmd: cmds.ChangeTelepayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> TelepaymentResult:
    """New amounts on each account, until noon (Paris) the day before the debit."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        found = next((p for p in ctx.payments if p.payment_id == cmd.payment_id), None)
        if found is None:
            raise PaymentItemNotFound("Aucun télépaiement ne correspond.", "telepayment-not-found")
        changed = payer.change(
            found, list(cmd.parts), now, ctx.account.departement, _owed_without(ctx, found)
        )
        await uow.telepayment.save_payment(changed)
        ctx.ledger.reamount(entry_key(found.payment_id), -changed.debit.amount)
        await uow.ledgers.save(ctx.ledger)
        await uow.outbox.add(
            out.telepayment_changed(
                found,
                changed,
                entry_key(found.payment_id),
                ctx.standing(),
                requester(cmd.principal) if cmd.principal.actor == "cabinet_user" else None,
                now,
            ),
            subject=cmd.affiliate_id,
        )
        await _write_ended(uow, ctx)
        await uow.commit()
    return TelepaymentResult(changed, changed.debit)


def _owed_without(ctx: Context, payment: payer.Telepayment) -> Decimal:
    """What a change of ``payment`` may pay at most: what its amount would be owed without it
    (a plan instalment, paid whole, keeps its amount)."""
    if payment.kind is PayableKind.PLAN_INSTALMENT:
        return payment.debit.amount
    shown = next(
        (s for s in ctx.without(payment).shown if s.payable.reference == payment.reference), None
    )
    return payment.debit.amount if shown is None else shown.payable.amount


# -- payment-delay plans ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    preview: PlanPreview
    plan: PaymentPlan | None


async def preview_plan(
    cmd: cmds.PreviewPlan, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PlanResult:
    """The surcharges and the schedule of a plan over the account's debts; nothing written."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        p = preview(
            ctx.plan_debts(),
            cmd.instalments,
            ctx.today,
            ctx.account.departement,
            ctx.last_broken_on(),
        )
    return PlanResult(p, None)


async def request_plan(
    cmd: cmds.RequestPlan, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PlanResult:
    """The plan asked: granted at once by the rule for small simple cases, else for an
    agent."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        await _write_ended(uow, ctx)
        p = preview(
            ctx.plan_debts(),
            cmd.instalments,
            ctx.today,
            ctx.account.departement,
            ctx.last_broken_on(),
        )
        plan = PaymentPlan.request(uuid.uuid4().hex, cmd.affiliate_id, p, ctx.today)
        await uow.telepayment.add_plan(plan)
        requested = out.plan_requested(plan, p, requester(cmd.principal), now)
        await uow.outbox.add(requested, subject=cmd.affiliate_id)
        if plan.status is PlanStatus.GRANTED:
            post_all(ctx.ledger, grant_entries(plan, p.debts, ctx.today))
            await uow.ledgers.save(ctx.ledger)
            granted = out.plan_decided(plan, now, ctx.standing())
            await uow.outbox.add(granted, subject=cmd.affiliate_id)
        await uow.commit()
    return PlanResult(p, plan)


async def decide_plan(
    cmd: cmds.DecidePlan, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PaymentPlan:
    """An agent grants or refuses (with a reason) a plan the rule left to them."""
    now = deps.clock.now()
    async with uow:
        ctx = await _context(uow, cmd.principal, cmd.affiliate_id, "pay", now, deps.ledger_opens_on)
        if cmd.principal.actor != "agent":
            raise AgentOnly
        plan = next((p for p in ctx.plans if p.plan_id == cmd.plan_id), None)
        if plan is None:
            raise PaymentItemNotFound(
                "Aucun délai de paiement ne correspond.", "payment-plan-not-found"
            )
        by = _by(cmd.principal)
        decided = (
            plan.grant(by, ctx.today, cmd.reason)
            if cmd.grant
            else plan.refuse(by, ctx.today, cmd.reason or "")
        )
        if decided.status is PlanStatus.GRANTED:
            decided = _rescheduled_from(decided, ctx.today)
            debts = ctx.debts_of(plan)
            if len(debts) < len(plan.debt_references):
                raise PaymentConflict(
                    "Les dettes de ce délai de paiement ont déjà été réglées ou reprises dans un "
                    "autre délai : il ne peut plus être accordé.",
                    code="plan-debts-gone",
                )
            post_all(ctx.ledger, grant_entries(decided, debts, ctx.today))
            await uow.ledgers.save(ctx.ledger)
        await uow.telepayment.save_plan(decided)
        await uow.outbox.add(
            out.plan_decided(decided, now, ctx.standing()), subject=cmd.affiliate_id
        )
        await _write_ended(uow, ctx)
        await uow.commit()
    return decided


def _rescheduled_from(plan: PaymentPlan, today: date) -> PaymentPlan:
    """A plan granted later than asked keeps its schedule: its instalments are those the
    preview showed (the decision does not move them)."""
    return replace(plan, decided_on=today)


# -- the daily sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSweep:
    on: date
    ended: tuple[str, ...]
    """The plans ended by this sweep (none when run again the same day)."""


async def sweep_missed_plans(
    cmd: cmds.SweepMissedPlans, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PlanSweep:
    """Every plan granted with an instalment unpaid the day after its due date ends: its
    unpaid instalments become one debt due at once in the ledger and ``payment_plan_ended``
    is published, in one transaction. A plan ended is no longer granted: a second sweep, or
    a use case of the account, finds nothing to end."""
    now = deps.clock.now()
    today = now.date()
    ended: list[str] = []
    async with uow:
        for plan in await uow.telepayment.running_plans():
            missed = plan.missed(today)
            if missed is None:
                continue
            done = plan.end_if_missed(today)
            ledger = await uow.ledgers.get(plan.affiliate_id)
            account = await uow.accounts.get(plan.affiliate_id)
            if account is not None:  # the standing the event carries counts the calls due
                for call in missing_calls(account, ledger, today, deps.ledger_opens_on):
                    ledger.post(call)
            post_all(ledger, end_entries(done, ledger, today))
            await uow.ledgers.save(ledger)
            await uow.telepayment.save_plan(done)
            ended_event = out.plan_ended(done, missed, now, standing(ledger.entries, today))
            await uow.outbox.add(ended_event, subject=plan.affiliate_id)
            ended.append(plan.plan_id)
        await uow.commit()
    return PlanSweep(today, tuple(ended))
