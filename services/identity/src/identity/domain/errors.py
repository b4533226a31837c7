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


class ActivationLinkInvalid(IdentityError):
    def __init__(self) -> None:
        super().__init__("Ce lien d'activation n'est pas valide.")


class ActivationLinkExpired(IdentityError):
    def __init__(self) -> None:
        super().__init__("Ce lien d'activation a expiré ; demandez-en un nouveau.")


class ActivationLinkUsed(IdentityError):
    def __init__(self) -> None:
        super().__init__("Ce lien d'activation a déjà été utilisé.")


class AccountAlreadyActive(IdentityError):
    def __init__(self) -> None:
        super().__init__("Ce compte est déjà activé.")
