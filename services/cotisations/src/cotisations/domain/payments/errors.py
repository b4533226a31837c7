"""Refusals of payments, each with a French message for users (answered by
``entrypoints/problems.py``)."""

from __future__ import annotations

from datetime import date

from servicekit.french import day

from cotisations.domain.errors import ComputationInputInvalid, CotisationsError


class NoDirectDebit(CotisationsError):
    def __init__(self) -> None:
        super().__init__("Ce compte n'a pas de mandat de prélèvement automatique en cours.")


class NoDueDateAhead(ComputationInputInvalid):
    """No due date far enough ahead for the change to apply to."""

    def __init__(self, limit: date) -> None:
        super().__init__(
            "Aucune échéance à prélever à partir du "
            f"{day(limit)} : le prélèvement ne peut pas encore être mis en place ou modifié."
        )


class PaymentAlreadyRecorded(CotisationsError):
    """A payment with the same external reference is already in the ledger."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Un paiement de référence « {reference} » est déjà enregistré.")
        self.reference = reference


class OpeningBalanceRecorded(CotisationsError):
    """The balance carried from the former books is posted once per account."""

    def __init__(self) -> None:
        super().__init__(
            "Le solde repris des comptes antérieurs est déjà enregistré sur ce compte : il ne "
            "s'enregistre qu'une fois (une erreur se corrige par un paiement ou un "
            "remboursement)."
        )


class UnknownObligation(ComputationInputInvalid):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Aucune échéance ni dette « {reference} » sur ce compte.", field="pays")


class DirectDebitExists(CotisationsError):
    """Adhering again while a mandate is in force: the account to debit is changed (PUT)."""

    def __init__(self, rum: str) -> None:
        super().__init__(
            f"Un mandat de prélèvement (RUM {rum}) est déjà en cours sur ce compte ; "
            "modifiez-le pour changer de compte bancaire."
        )
        self.rum = rum


class DebitFileNotFound(CotisationsError):
    def __init__(self, debit_date: date) -> None:
        super().__init__(f"Aucun prélèvement n'a été émis le {day(debit_date)}.")
        self.debit_date = debit_date
