"""identity's domain refusals as problem documents."""

from __future__ import annotations

from servicekit.problems import Conflict, Forbidden, NotFound, Problem, Unavailable

from identity.domain import errors

_PROBLEMS: dict[type[errors.IdentityError], tuple[int, str]] = {
    errors.EmailAlreadyUsed: (409, "email-already-used"),
    errors.SiretAlreadyRegistered: (409, "siret-already-registered"),
    errors.ActivationLinkInvalid: (404, "activation-link-invalid"),
    errors.ActivationLinkExpired: (410, "activation-link-expired"),
    errors.ActivationLinkUsed: (409, "activation-link-used"),
    errors.AccountAlreadyActive: (409, "account-already-active"),
    errors.KnownFactsMismatch: (422, "known-facts-mismatch"),
    errors.AccountAlreadyExists: (409, "account-already-exists"),
    errors.PasswordRequired: (422, "password-required"),
    errors.UserStateConflict: (409, "user-state-conflict"),
    errors.LastAdministrator: (409, "last-administrator"),
    errors.CabinetUserNotFound: (404, "cabinet-user-not-found"),
    errors.ActingUserNotActive: (403, "acting-user-not-active"),
    errors.AdminRightMissing: (403, "right-missing"),
    errors.SessionNotFound: (404, "session-not-found"),
    errors.CurrentSessionUnknown: (422, "current-session-unknown"),
}


def to_problem(exc: errors.IdentityError) -> Problem:
    if isinstance(exc, errors.PasswordWorkOverloaded):
        problem = Unavailable(exc.message, exc.retry_after_s)
        problem.kind = "password-work-overloaded"
        return problem
    status_code, kind = _PROBLEMS.get(type(exc), (400, "identity-error"))
    base = {403: Forbidden, 404: NotFound, 409: Conflict}.get(status_code, Problem)
    return Problem(exc.message, status=status_code, kind=kind, title=base.title)
