"""Domain errors: each names the rule that refused the action (French message for users).

``entrypoints/problems.py`` holds the one table that turns each of them into its problem
document (status, type, title).
"""

from __future__ import annotations

RIGHT_LABELS = {
    "admin": "administrateur",
    "clients": "gestion des clients",
    "declare": "déclarations",
    "pay": "paiements",
    "read": "consultation",
}


class MandatesError(Exception):
    """Base of the mandates domain's refusals."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- who may act on what -----------------------------------------------------------------


class CabinetNotFound(MandatesError):
    """Another firm's space, or a caller who is not a firm user: its existence is not told."""

    def __init__(self) -> None:
        super().__init__("Ce cabinet est introuvable.")


class ClientNotFound(MandatesError):
    def __init__(self) -> None:
        super().__init__("Ce client est introuvable.")


class PortfolioNotFound(MandatesError):
    def __init__(self) -> None:
        super().__init__("Ce portefeuille est introuvable.")


class RightMissing(MandatesError):
    def __init__(self, right: str) -> None:
        super().__init__(
            f"Le droit « {RIGHT_LABELS.get(right, right)} » est nécessaire pour cette action."
        )
        self.right = right


class AdministratorRequired(MandatesError):
    right = "admin"

    def __init__(self) -> None:
        super().__init__("Seul un administrateur du cabinet peut gérer les portefeuilles.")


class SubscriptionMissing(MandatesError):
    """A collaborator subscribed to no portfolio has nowhere to put a new client."""

    def __init__(self) -> None:
        super().__init__(
            "Vous n'êtes abonné à aucun portefeuille : un administrateur doit vous y abonner."
        )


class AssureRequired(MandatesError):
    def __init__(self) -> None:
        super().__init__("Réservé à l'assuré titulaire du compte.")


class ImportNotFound(MandatesError):
    def __init__(self) -> None:
        super().__init__("Cet import est introuvable.")


class ImportIdTaken(MandatesError):
    """The import id names an import the caller does not see: its report is not theirs."""

    def __init__(self) -> None:
        super().__init__(
            "Un import portant cet identifiant a déjà été fait dans ce cabinet : donnez-lui un "
            "autre identifiant (en-tête Idempotency-Key)."
        )


# --- adding a client (one by hand, or a row of an import) ----------------------------------


class ClientRefused(MandatesError):
    """Why a client cannot be added: the same words for one client and for an import row.
    ``code`` names the reason in an import's report (and is the problem type over HTTP)."""

    code = "client-refused"
    detail = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.detail)


class IdentifierInvalid(ClientRefused):
    code = "invalid-identifier"
    detail = "Un SIREN compte 9 chiffres, un SIRET 14."


class SirenInvalid(ClientRefused):
    code = "invalid-siren"
    detail = "SIREN invalide : la clé de contrôle ne correspond pas."


class SiretInvalid(ClientRefused):
    code = "invalid-siret"
    detail = "SIRET invalide : la clé de contrôle ne correspond pas."


class ClientNameInvalid(ClientRefused):
    code = "invalid-name"
    detail = "Le nom du client est obligatoire (200 caractères au plus)."


class NirInvalid(ClientRefused):
    code = "invalid-nir"
    detail = "NIR invalide : la clé ne correspond pas."


class AffiliateUnknown(ClientRefused):
    code = "unknown-affiliate"
    detail = "Ce SIREN est inconnu du répertoire des affiliés."


class AffiliateRadiated(ClientRefused):
    code = "radiated"
    detail = "Cette entreprise est radiée du répertoire des affiliés."


class ConsentWithheld(ClientRefused):
    code = "consent-off"
    detail = "L'affilié n'autorise pas l'inscription de son Siren par un tiers déclarant."


class ClientAlreadyFollowed(ClientRefused):
    code = "already-client"
    detail = "Ce client est déjà suivi par votre cabinet."


class RowUnreadable(ClientRefused):
    """An import row the reader could not take (a formula, a missing cell): only in reports."""

    code = "unreadable-row"


class RowMalformed(ClientRefused):
    """An import line that is not valid CSV (a quote left open or misplaced): refused alone,
    never merged with the lines after it. Only in reports."""

    code = "malformed-row"


class RowDuplicated(ClientRefused):
    """An import row whose SIREN an earlier row of the same file holds: only in reports."""

    code = "duplicate-row"

    def __init__(self, first_row: int) -> None:
        super().__init__(f"Ligne en double : ce SIREN figure déjà ligne {first_row}.")


class SpreadsheetRefused(MandatesError):
    """The whole file is refused; ``code`` names why (``empty_file``, ``zip_bomb``…)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.args = (f"{code}: {detail}",)  # in logs, the code with the words
        self.code = code
        self.detail = detail


# --- the key and the mandate's lifecycle ---------------------------------------------------


class KeyMistyped(MandatesError):
    """The typed text cannot be a key (length, symbol, check symbol): no attempt is spent."""

    def __init__(self, reason: str, attempts_left: int) -> None:
        super().__init__(f"Clé mal saisie : {reason}. Aucun essai n'a été décompté.")
        self.attempts_left = attempts_left


class KeyMismatch(MandatesError):
    """A well-formed key that is not this request's: one attempt spent."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            "la clé ne correspond pas à cette demande"
            + (f" ; il reste {attempts_left} essai(s)" if attempts_left else "")
        )
        self.attempts_left = attempts_left


class RequestLocked(MandatesError):
    def __init__(self) -> None:
        super().__init__(
            "cinq clés erronées ont verrouillé cette demande : réémettez une clé pour en "
            "recevoir une nouvelle par courrier"
        )


class MandateStateConflict(MandatesError):
    """The mandate's state does not allow the transition asked for."""


class ActiveMandateNotFound(MandatesError):
    def __init__(self) -> None:
        super().__init__("Aucun mandat actif.")


class MandateVersionConflict(MandatesError):
    """Another request changed the mandate between our read and our write."""

    def __init__(self, mandate_id: str = "") -> None:
        super().__init__(
            "Cette demande vient d'être modifiée par une autre action ; rechargez la page."
        )
        self.mandate_id = mandate_id


class ClientWriteConflict(MandatesError):
    """A concurrent request wrote a client that breaks a uniqueness rule (one open mandate
    per firm and affilié, one active mandate per affilié)."""

    def __init__(self) -> None:
        super().__init__(
            "Ce client vient d'être modifié par une autre demande ; rechargez la page."
        )


# --- portfolios ----------------------------------------------------------------------------


class PortfolioNameInvalid(MandatesError):
    def __init__(self) -> None:
        super().__init__("Le nom du portefeuille est obligatoire (120 caractères au plus).")


class PortfolioNameTaken(MandatesError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Un portefeuille s'appelle déjà « {name} ».")


class DefaultPortfolioUndeletable(MandatesError):
    def __init__(self) -> None:
        super().__init__("Le portefeuille par défaut du cabinet ne peut pas être supprimé.")


class PortfolioNotEmpty(MandatesError):
    def __init__(self) -> None:
        super().__init__(
            "Ce portefeuille contient des clients : déplacez-les avant de le supprimer."
        )


class FirmUserNotFound(MandatesError):
    def __init__(self) -> None:
        super().__init__("Cet utilisateur n'appartient pas au cabinet.")


class TransfereeNotAdministrator(MandatesError):
    def __init__(self) -> None:
        super().__init__("Un portefeuille se transfère à un administrateur du cabinet.")


class PortfolioVersionConflict(MandatesError):
    """Another request changed the portfolio between our read and our write."""

    def __init__(self, portfolio_id: str = "") -> None:
        super().__init__(
            "Ce portefeuille vient d'être modifié par une autre action ; rechargez la page."
        )
        self.portfolio_id = portfolio_id
