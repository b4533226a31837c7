"""Assurés: sign-up with the known-fact check, and a new activation link on request."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from identity.domain import commands, errors
from identity.domain.identifiers import normalize_nir
from identity.domain.model import (
    ASSURE_ACTIVATION_TTL,
    CABINET_ACTIVATION_TTL,
    SIGNUP_ATTEMPTS_PER_NIR,
    SIGNUP_WINDOW,
    Account,
    request_activation,
)
from identity.service_layer.handlers import Dependencies, publish
from identity.service_layer.ports import IdentityUnitOfWork


def same_name(a: str, b: str) -> bool:
    """Names compared without case, accents, hyphens or extra spaces (« Lefèvre » = « LEFEVRE »)."""

    def fold(name: str) -> str:
        plain = unicodedata.normalize("NFKD", name)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        return re.sub(r"[\s'\-]+", " ", plain).strip().casefold()

    return fold(a) == fold(b)


async def register_assure(
    cmd: commands.RegisterAssure, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    email = cmd.email.strip().lower()
    try:
        nir = normalize_nir(cmd.nir)
    except ValueError as exc:
        raise errors.KnownFactsMismatch from exc
    async with uow:
        # Every attempt is counted first, atomically, so that attempts made at once on several
        # api copies cannot all pass the check before any is counted.
        key = f"signup-nir:{uow.affiliates.nir_key(nir)}"
        await uow.attempts.hit(key, now, SIGNUP_WINDOW)
        attempts, _ = await uow.attempts.count(key, now, SIGNUP_WINDOW)
        if attempts > SIGNUP_ATTEMPTS_PER_NIR:
            await uow.commit()
            raise errors.KnownFactsMismatch  # the same answer: guessing further tells nothing
        affiliate = await uow.affiliates.by_nir(nir)
        if (
            affiliate is None
            or affiliate.nir != nir
            or affiliate.birth_date != cmd.birth_date
            or not same_name(affiliate.birth_name, cmd.birth_name)
        ):
            await uow.commit()
            raise errors.KnownFactsMismatch
        if await uow.accounts.by_affiliate(affiliate.id) is not None:
            raise errors.AccountAlreadyExists
        if await uow.accounts.email_exists(email):
            raise errors.EmailAlreadyUsed
        # Hashed only once the facts are known to match: a stranger guessing facts costs a
        # look-up, never the Argon2 work (which runs off the event loop, in a bounded pool).
        password_hash = await deps.hasher.hash(cmd.password)
        account = Account(
            id=deps.tokens.new_id(),
            kind="assure",
            email=email,
            display_name=f"{affiliate.first_names} {affiliate.usage_name or affiliate.birth_name}",
            password_hash=password_hash,
            status="pending",
            created_at=now,
            affiliate_id=affiliate.id,
            category=affiliate.category,
        )
        token = request_activation(
            account, "assure_activation", deps.tokens.new_token(), ASSURE_ACTIVATION_TTL, now, None
        )
        await uow.accounts.add(account)
        await uow.activation_tokens.add(token)
        await publish(uow, deps, account.events)
        await uow.commit()
    return {
        "account_id": account.id,
        "status": "pending",
        "activation_expires_at": token.expires_at,
    }


async def renew_activation(
    cmd: commands.RenewActivation, uow: IdentityUnitOfWork, deps: Dependencies
) -> None:
    """A new link for a pending account; the same (silent) answer for any other address."""
    now = deps.clock.now()
    async with uow:
        account = await uow.accounts.get_by_email(cmd.email.strip().lower())
        if account is None or account.status != "pending":
            return
        purpose = "assure_activation" if account.kind == "assure" else "cabinet_activation"
        cabinet = None
        if account.cabinet_id is not None:
            found = await uow.cabinets.get(account.cabinet_id)
            cabinet = found.raison_sociale if found else None
        ttl = ASSURE_ACTIVATION_TTL if account.kind == "assure" else CABINET_ACTIVATION_TTL
        token = request_activation(account, purpose, deps.tokens.new_token(), ttl, now, cabinet)
        await uow.activation_tokens.add(token)
        await publish(uow, deps, account.events)
        await uow.commit()
