"""The account's ledger: every call, payment, rejection, surcharge, plan instalment and refund
is one entry, and what the account shows (balance, what is due and when) is derived from the
entries alone.

Sign: an entry's ``amount`` is signed, to the cent. Positive: the affilié owes more (an
instalment called, a rejected debit that becomes a debt, a surcharge, a plan instalment, a
refund paid out of a credit). Negative: the affilié owes less (a payment, a debt rescheduled
into a plan). The balance is the sum of every entry, whatever its status: a debit sent to the
bank counts as paid while it is ``pending``; a rejection does not cancel it but posts the
reversing debt, so the ledger is only ever appended to: a status moves, and an amount never
does, but for a pending telepayment changed before its deadline (money that has not moved).

An ``opening`` entry carries the balance of the books the ledger took over from, once per
account: owed, it is a debt (``debt:opening``) due when the former books said; in credit, it
is on account and pays the oldest obligations first, as a payment on account does.

Each entry has a ``key`` unique in the account (its natural key): posting an entry whose key is
already there posts nothing, so a replayed event, a re-run debit day or a retried request never
counts twice.

``obligation`` names what an entry is about: for a positive entry, the obligation it creates
(``instalment:2026-03-05``, ``debt:…``, ``surcharge:…``, ``plan:…:1``); for a negative one,
the obligation it settles, or ``None`` for a payment on account (allocated to the oldest
obligation first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

EntryKind = Literal[
    "call",
    "payment",
    "rejection",
    "surcharge",
    "plan_instalment",
    "debt_rescheduled",
    "refund",
    "opening",
]
Mode = Literal["prelevement", "telepaiement", "cheque", "virement", "carte"]
Status = Literal["posted", "pending", "settled", "rejected"]

ENTRY_KINDS: tuple[str, ...] = get_args(EntryKind)
MODES: tuple[str, ...] = get_args(Mode)
STATUSES: tuple[str, ...] = get_args(Status)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_POSITIVE: frozenset[str] = frozenset(
    {"call", "rejection", "surcharge", "plan_instalment", "refund"}
)
_NEGATIVE: frozenset[str] = frozenset({"payment", "debt_rescheduled"})


class LedgerError(ValueError):
    """An entry that the ledger's rules refuse (a developer's error, not a person's input)."""


def instalment_ref(due_date: date) -> str:
    return f"instalment:{due_date.isoformat()}"


def debt_ref(origin: str) -> str:
    return f"debt:{origin}"


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    """The natural key, unique in the account: a replay posts nothing."""
    kind: EntryKind
    amount: Decimal
    """Signed, to the cent: positive owed, negative paid."""
    booked_on: date
    """The day the entry was written."""
    value_date: date
    """The due date of what it creates, or the value date of a payment."""
    obligation: str | None
    mode: Mode | None = None
    status: Status = "posted"
    external_reference: str | None = None
    """The bank's or the payer's reference (SEPA end-to-end id, cheque number…)."""
    reason: str | None = None
    """A rejection's SEPA reason code (AM04, AC04, MD01…)."""

    def __post_init__(self) -> None:
        if self.kind not in ENTRY_KINDS:
            raise LedgerError(f"unknown entry kind {self.kind!r}")
        if self.mode is not None and self.mode not in MODES:
            raise LedgerError(f"unknown payment mode {self.mode!r}")
        if self.status not in STATUSES:
            raise LedgerError(f"unknown status {self.status!r}")
        if self.amount != self.amount.quantize(CENT):
            raise LedgerError(f"{self.amount} is not to the cent")
        if self.kind in _POSITIVE and self.amount <= 0:
            raise LedgerError(f"a {self.kind} adds to what is owed: {self.amount}")
        if self.kind in _NEGATIVE and self.amount >= 0:
            raise LedgerError(f"a {self.kind} takes from what is owed: {self.amount}")
        if self.kind in _POSITIVE and self.obligation is None:
            raise LedgerError(f"a {self.kind} creates an obligation: it needs its reference")
        if self.kind == "payment" and self.mode is None:
            raise LedgerError("a payment has a mode")
        if self.kind == "opening" and (
            self.amount == 0 or (self.amount > 0) != (self.obligation is not None)
        ):
            raise LedgerError("an opening balance owed is a debt; one in credit is on account")


@dataclass
class Ledger:
    """The entries of one account, in the order they were posted."""

    affiliate_id: str
    entries: list[Entry] = field(default_factory=list)
    posted_keys: list[str] = field(default_factory=list)
    """The keys of the entries this unit of work added (what the repository inserts)."""
    moved_keys: set[str] = field(default_factory=set)
    """The keys of the entries whose status this unit of work changed."""

    def __post_init__(self) -> None:
        self._keys = {e.key: i for i, e in enumerate(self.entries)}

    def get(self, key: str) -> Entry | None:
        index = self._keys.get(key)
        return None if index is None else self.entries[index]

    def post(self, entry: Entry) -> bool:
        """Append ``entry`` unless its key is already there; says whether it was posted."""
        if entry.key in self._keys:
            return False
        self._keys[entry.key] = len(self.entries)
        self.entries.append(entry)
        self.posted_keys.append(entry.key)
        return True

    def settle(self, key: str, status: Status) -> Entry | None:
        """Move a pending entry to ``settled`` or ``rejected``; ``None`` if it is not pending
        (already answered: a replayed return changes nothing)."""
        index = self._keys.get(key)
        if index is None or self.entries[index].status != "pending":
            return None
        moved = replace(self.entries[index], status=status)
        self.entries[index] = moved
        self.moved_keys.add(key)
        return moved

    def reamount(self, key: str, amount: Decimal) -> Entry | None:
        """A pending payment's new amount (a telepayment changed before its debit: money that
        has not moved yet); ``None`` if the entry is not a pending payment."""
        index = self._keys.get(key)
        if index is None:
            return None
        entry = self.entries[index]
        if entry.kind != "payment" or entry.status != "pending":
            return None
        moved = replace(entry, amount=amount)
        self.entries[index] = moved
        self.moved_keys.add(key)
        return moved

    @property
    def posted(self) -> list[Entry]:
        return [self.entries[self._keys[k]] for k in self.posted_keys]

    @property
    def moved(self) -> list[Entry]:
        fresh = set(self.posted_keys)
        return [self.entries[self._keys[k]] for k in sorted(self.moved_keys - fresh)]

    @property
    def balance(self) -> Decimal:
        return balance(self.entries)


def paid_towards(entries: Iterable[Entry], reference: str) -> Decimal:
    """What the payments naming ``reference`` pay of it, pending ones included and rejected
    ones not."""
    return sum(
        (
            -e.amount
            for e in entries
            if e.kind == "payment" and e.obligation == reference and e.status != "rejected"
        ),
        ZERO,
    )


def balance(entries: Iterable[Entry]) -> Decimal:
    """What the affilié owes (negative: a credit): the sum of every entry, to the cent."""
    return sum((e.amount for e in entries), ZERO)


ObligationState = Literal[
    "paid", "partly_paid", "due", "overdue", "pending", "rejected", "rescheduled"
]
"""``rescheduled``: moved into another obligation (a debt into a granted plan's instalments;
an ended plan's unpaid instalments into the debt its end makes due)."""


@dataclass(frozen=True, slots=True)
class Obligation:
    reference: str
    kind: EntryKind
    due_date: date
    amount: Decimal
    """What was called (the sum of the positive entries on it)."""
    outstanding: Decimal
    """What is still to pay after the payments on it and those on account."""
    state: ObligationState
    pending: Decimal = ZERO
    """What a debit sent to the bank and not yet answered covers."""
    rejected_into: str | None = None
    """When a payment of it was rejected: the debt that replaced it."""


@dataclass(frozen=True, slots=True)
class Standing:
    """What the account stands at on ``on``: what a reader deciding whether the affilié is up
    to date needs."""

    on: date
    balance: Decimal
    overdue: Decimal
    """What was due before ``on`` and is still unpaid, and the debts of rejected payments
    booked by ``on``."""
    oldest_overdue: date | None
    obligations: tuple[Obligation, ...]
    credit: Decimal
    """Payments not used by any obligation (what a refund may give back)."""

    @property
    def up_to_date(self) -> bool:
        return self.overdue == ZERO


def _rejected_into(entries: Sequence[Entry]) -> dict[str, str]:
    """For each obligation a rejected payment had paid: the debt its rejection made of it."""
    rejections = [e for e in entries if e.kind == "rejection" and e.external_reference is not None]
    if not rejections:
        return {}
    by_key = {e.key: e for e in entries}
    into: dict[str, str] = {}
    for e in rejections:
        assert e.external_reference is not None
        reversed_ = by_key.get(e.external_reference)
        if reversed_ is not None and reversed_.obligation is not None:
            assert e.obligation is not None
            into[reversed_.obligation] = e.obligation
    return into


def standing(entries: Sequence[Entry], on: date) -> Standing:
    """Balance and what is due, when: each obligation with what is left of it once the
    payments naming it, then the payments on account (oldest due date first), are used."""
    owed: dict[str, Decimal] = {}
    kinds: dict[str, EntryKind] = {}
    due: dict[str, date] = {}
    paid: dict[str, Decimal] = {}
    pending: dict[str, Decimal] = {}
    rescheduled: set[str] = set()
    rejected_into = _rejected_into(entries)
    on_account = ZERO
    for e in entries:
        if e.amount > 0:
            assert e.obligation is not None
            owed[e.obligation] = owed.get(e.obligation, ZERO) + e.amount
            kinds.setdefault(e.obligation, e.kind)
            due[e.obligation] = min(due.get(e.obligation, e.value_date), e.value_date)
        elif e.obligation is None:
            on_account -= e.amount
        else:
            paid[e.obligation] = paid.get(e.obligation, ZERO) - e.amount
            if e.status == "pending":
                pending[e.obligation] = pending.get(e.obligation, ZERO) - e.amount
            if e.kind == "debt_rescheduled":
                rescheduled.add(e.obligation)
    # payments naming an obligation that does not exist (yet): they count on account
    for ref in list(paid):
        if ref not in owed:
            on_account += paid.pop(ref)
    left = {ref: owed[ref] - paid.get(ref, ZERO) for ref in owed}
    in_order = sorted(owed, key=lambda r: (due[r], r))
    for ref in in_order:
        if left[ref] < 0:
            on_account -= left[ref]
            left[ref] = ZERO
    for ref in in_order:
        if on_account <= 0:
            break
        use = min(on_account, left[ref])
        left[ref] -= use
        on_account -= use
    obligations = []
    for ref in in_order:
        if left[ref] == 0:
            state = _settled_state(ref, rejected_into, rescheduled, pending)
        elif due[ref] < on or (kinds[ref] == "rejection" and due[ref] <= on):
            # a debt born of a rejected payment replaces what fell due unpaid: it is late
            # from the day it is booked, not from the next
            state = "overdue"
        elif left[ref] < owed[ref]:
            state = "partly_paid"
        else:
            state = "due"
        obligations.append(
            Obligation(
                ref,
                kinds[ref],
                due[ref],
                owed[ref],
                left[ref],
                state,
                pending.get(ref, ZERO),
                rejected_into.get(ref),
            )
        )
    overdue = [o for o in obligations if o.state == "overdue"]
    return Standing(
        on=on,
        balance=balance(entries),
        overdue=sum((o.outstanding for o in overdue), ZERO),
        oldest_overdue=min((o.due_date for o in overdue), default=None),
        obligations=tuple(obligations),
        credit=on_account,
    )


def standing_after_payment(before: Standing, entries: Sequence[Entry], payment: Entry) -> Standing:
    """``standing(entries, before.on)`` once ``payment`` (the last of ``entries``) is posted,
    ``before`` being the standing without it. A payment of exactly what is left of an
    obligation not yet overdue changes only that obligation (nothing left, what it covers
    pending when it is) and the balance: the payments on account go where they went, the
    overdue part stays; that case is derived without going over the entries again (a debit day
    asks it of every account). Any other case is computed whole."""
    ref = payment.obligation
    found = [i for i, o in enumerate(before.obligations) if o.reference == ref]
    if (
        payment.kind != "payment"
        or not entries
        or entries[-1] is not payment
        or len(found) != 1
        or not _only_settles(before.obligations[found[0]], payment, before.on)
        or any(_reshapes(e, ref, payment.key) for e in entries)
    ):
        return standing(entries, before.on)
    index = found[0]
    o = before.obligations[index]
    covered = o.pending - payment.amount if payment.status == "pending" else o.pending
    state: ObligationState = "pending" if covered > 0 else "paid"
    settled = Obligation(o.reference, o.kind, o.due_date, o.amount, ZERO, state, covered)
    obligations = (*before.obligations[:index], settled, *before.obligations[index + 1 :])
    return Standing(  # built, not ``replace``d: a debit day builds a hundred thousand
        before.on,
        before.balance + payment.amount,
        before.overdue,
        before.oldest_overdue,
        obligations,
        before.credit,
    )


def _only_settles(o: Obligation, payment: Entry, on: date) -> bool:
    """``payment`` pays all that is left of ``o``, which is not overdue nor rejected."""
    return (
        o.state in ("due", "partly_paid")
        and o.due_date >= on
        and o.rejected_into is None
        and o.outstanding > 0
        and payment.amount == -o.outstanding
    )


def _reshapes(e: Entry, ref: str | None, payment_key: str) -> bool:
    """An entry that would make the payment's obligation other than paid or pending once it is
    settled: rescheduled into a plan, or a rejection of the payment itself."""
    return (e.kind == "debt_rescheduled" and e.obligation == ref) or (
        e.kind == "rejection" and e.external_reference == payment_key
    )


def _settled_state(
    ref: str, rejected_into: dict[str, str], rescheduled: set[str], pending: dict[str, Decimal]
) -> ObligationState:
    """What an obligation with nothing left to pay shows."""
    if ref in rejected_into:
        return "rejected"
    if ref in rescheduled:
        return "rescheduled"
    return "pending" if pending.get(ref, ZERO) > 0 else "paid"


def call_entry(due_date: date, amount: Decimal, booked_on: date) -> Entry:
    """The call of one instalment, posted once it falls due."""
    return Entry(
        key=f"call:{due_date.isoformat()}",
        kind="call",
        amount=amount,
        booked_on=booked_on,
        value_date=due_date,
        obligation=instalment_ref(due_date),
    )


def calls_due(instalments: Iterable[tuple[date, Decimal]], ledger: Ledger, on: date) -> list[Entry]:
    """The calls of the instalments due by ``on`` that the ledger does not hold yet."""
    return [
        call_entry(due_date, amount, on)
        for due_date, amount in instalments
        if due_date <= on and amount > 0 and ledger.get(f"call:{due_date.isoformat()}") is None
    ]
