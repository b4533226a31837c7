"""Domain errors: each names the rule that refused the action (French message for users)."""

from __future__ import annotations


class IdentityError(Exception):
    """Base of the identity domain's refusals."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmailAlreadyUsed(IdentityError):
    def __init__(self) -> None:
        super().__init__("Cette adresse électronique est déjà utilisée par un compte.")


class SiretAlreadyRegistered(IdentityError):
    def __init__(self) -> None:
        super().__init__("Un cabinet est déjà inscrit avec ce SIRET.")


LINKS = {
    "password_reset": "Ce lien de réinitialisation du mot de passe",
    "email_change": "Ce lien de confirmation d'adresse électronique",
}
"""How each kind of single-use link is named to its holder (else: an activation link)."""


def _link(purpose: str | None) -> str:
    return LINKS.get(purpose or "", "Ce lien d'activation")


class ActivationLinkInvalid(IdentityError):
    def __init__(self, purpose: str | None = None) -> None:
        super().__init__(f"{_link(purpose)} n'est pas valide.")


class ActivationLinkExpired(IdentityError):
    def __init__(self, purpose: str | None = None) -> None:
        super().__init__(f"{_link(purpose)} a expiré ; demandez-en un nouveau.")


class ActivationLinkUsed(IdentityError):
    def __init__(self, purpose: str | None = None) -> None:
        super().__init__(f"{_link(purpose)} a déjà été utilisé.")


class AccountAlreadyActive(IdentityError):
    def __init__(self) -> None:
        super().__init__("Ce compte est déjà activé.")


class InvalidCredentials(IdentityError):
    """The same answer whether or not the account exists."""

    def __init__(self) -> None:
        super().__init__("Identifiant ou mot de passe incorrect.")


class LoginThrottled(IdentityError):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"Trop de tentatives de connexion. Réessayez dans {retry_after_s} secondes."
        )
        self.retry_after_s = retry_after_s


class SessionRejected(IdentityError):
    def __init__(self) -> None:
        super().__init__("Session expirée ou révoquée ; reconnectez-vous.")


class InvalidRegistryRecord(IdentityError):
    """A registry record that can never be accepted (bad identifiers)."""


class KnownFactsMismatch(IdentityError):
    """NIR, date of birth and birth name do not match one affilié (one answer for all cases)."""

    def __init__(self) -> None:
        super().__init__(
            "Ces informations ne correspondent à aucun assuré connu : vérifiez votre numéro de "
            "sécurité sociale, votre date de naissance et votre nom de naissance."
        )


class AccountAlreadyExists(IdentityError):
    def __init__(self) -> None:
        super().__init__(
            "Un compte existe déjà pour cet assuré ; connectez-vous "
            "ou réinitialisez le mot de passe."
        )


class UserStateConflict(IdentityError):
    """The user's current state does not allow the change."""


class LastAdministrator(IdentityError):
    def __init__(self) -> None:
        super().__init__("Le cabinet doit garder au moins un administrateur actif.")


class CabinetUserNotFound(IdentityError):
    def __init__(self) -> None:
        super().__init__("Aucun utilisateur de ce cabinet ne correspond.")


class PasswordRequired(IdentityError):
    def __init__(self) -> None:
        super().__init__("Choisissez votre mot de passe pour activer votre accès.")


class TeleserviceNotOpen(IdentityError):
    """The affilié's category does not open this téléservice (whoever asks for it)."""

    def __init__(self, label: str) -> None:
        super().__init__(f"Le téléservice « {label} » n'est pas ouvert à la catégorie de l'assuré.")


class ActingUserNotActive(IdentityError):
    """The account acting is no longer active (suspended, removed) though its token lives on."""

    def __init__(self) -> None:
        super().__init__(
            "Votre accès a été suspendu ou retiré : vous ne pouvez plus gérer les utilisateurs "
            "de ce cabinet."
        )


class AdminRightMissing(IdentityError):
    """The account acting does not hold ``admin`` any more (whatever its token says)."""

    def __init__(self) -> None:
        super().__init__("Le droit « admin » est nécessaire.")


class PasswordWorkOverloaded(IdentityError):
    """Every password worker is busy and the queue is full: refused at once, to be retried."""

    def __init__(self, retry_after_s: int) -> None:
        unit = "secondes" if retry_after_s > 1 else "seconde"
        super().__init__(
            f"Le service est momentanément très sollicité. Réessayez dans {retry_after_s} {unit}."
        )
        self.retry_after_s = retry_after_s


class SessionNotFound(IdentityError):
    """No open session of the caller's account has this id (another account's is not told)."""

    def __init__(self) -> None:
        super().__init__("Aucune session ouverte de votre compte ne correspond.")


class CurrentSessionUnknown(IdentityError):
    def __init__(self) -> None:
        super().__init__(
            "Ce jeton d'accès ne désigne pas de session ; reconnectez-vous pour fermer les "
            "autres sessions."
        )
