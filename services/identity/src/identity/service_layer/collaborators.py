"""A firm's users: administrators invite collaborators with rights, change the rights,
suspend, reactivate, remove, and send a new invitation. Every change is published with the
other users concerned, whom notifications e-mails (SPEC.md 2.3, seed 004)."""

from __future__ import annotations

from typing import Any

from identity.domain import commands, errors
from identity.domain.events import CabinetUserChanged
from identity.domain.model import (
    COLLABORATOR_INVITATION_TTL,
    Account,
    Cabinet,
    cabinet_user_changed,
    request_activation,
)
from identity.service_layer.handlers import Dependencies, publish
from identity.service_layer.ports import IdentityUnitOfWork

INVITED = "!invited"  # not a hash: no password until the invitation is accepted
CHANGES = {
    "rights": "user_rights_changed",
    "suspend": "user_suspended",
    "reactivate": "user_activated",
    "remove": "user_removed",
    "reinvite": "user_invited",
}


async def _require_administrator(uow: IdentityUnitOfWork, actor_id: str, cabinet_id: str) -> None:
    """The acting user as the database knows it now, not as its token described it: a user
    suspended, removed or stripped of ``admin`` a minute ago still holds a valid token."""
    actor = await uow.accounts.get(actor_id)
    if actor is None or actor.cabinet_id != cabinet_id or actor.status != "active":
        raise errors.ActingUserNotActive
    if "admin" not in actor.rights:
        raise errors.AdminRightMissing


def _changed(
    cabinet: Cabinet,
    user: Account,
    change: str,
    users: list[Account],
    actor_id: str,
    deps: Dependencies,
) -> CabinetUserChanged:
    return cabinet_user_changed(cabinet, user, change, users, actor_id, deps.clock.now())


async def invite(
    cmd: commands.InviteCollaborator, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    email = cmd.email.strip().lower()
    async with uow:
        await _require_administrator(uow, cmd.actor_id, cmd.cabinet_id)
        cabinet = await uow.cabinets.get(cmd.cabinet_id)
        if cabinet is None:
            raise errors.CabinetUserNotFound
        if await uow.accounts.email_exists(email):
            raise errors.EmailAlreadyUsed
        user = Account(
            id=deps.tokens.new_id(),
            kind="cabinet_user",
            email=email,
            display_name=f"{cmd.first_name} {cmd.last_name}",
            password_hash=INVITED,
            status="pending",
            created_at=now,
            cabinet_id=cabinet.id,
            rights=cmd.rights,
        )
        token = request_activation(
            user, "collaborator_invitation", deps.tokens.new_token(),
            COLLABORATOR_INVITATION_TTL, now, cabinet.raison_sociale,
        )  # fmt: skip
        users = await uow.accounts.of_cabinet(cabinet.id)
        user.events.append(_changed(cabinet, user, "user_invited", users, cmd.actor_id, deps))
        await uow.accounts.add(user)
        await uow.activation_tokens.add(token)
        await publish(uow, deps, user.events)
        await uow.commit()
    return {"account_id": user.id, "status": user.status, "invitation_expires_at": token.expires_at}


async def change(
    cmd: commands.ChangeCabinetUser, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    async with uow:
        await _require_administrator(uow, cmd.actor_id, cmd.cabinet_id)
        cabinet = await uow.cabinets.get(cmd.cabinet_id)
        users = await uow.accounts.of_cabinet(cmd.cabinet_id)
        user = next((u for u in users if u.id == cmd.account_id), None)
        if cabinet is None or user is None or user.status == "removed":
            raise errors.CabinetUserNotFound
        if cmd.change == "rights":
            if not user.change_rights(cmd.rights):
                return {"account_id": user.id, "status": user.status, "rights": sorted(user.rights)}
        elif cmd.change == "suspend":
            user.suspend()
        elif cmd.change == "reactivate":
            user.reactivate()
        elif cmd.change == "remove":
            user.remove()
        elif cmd.change == "reinvite":
            if user.status != "pending":
                raise errors.UserStateConflict("Seul un accès en attente peut être réinvité.")
            token = request_activation(
                user, "collaborator_invitation", deps.tokens.new_token(),
                COLLABORATOR_INVITATION_TTL, now, cabinet.raison_sociale,
            )  # fmt: skip
            await uow.activation_tokens.add(token)
        live_admins = [
            u for u in users if u.status == "active" and "admin" in u.rights and u.id != user.id
        ]
        user_keeps_admin = user.status == "active" and "admin" in user.rights
        if not live_admins and not user_keeps_admin:
            raise errors.LastAdministrator
        if user.status in ("suspended", "removed"):
            await uow.refresh_tokens.revoke_account(user.id, now)
        user.events.append(_changed(cabinet, user, CHANGES[cmd.change], users, cmd.actor_id, deps))
        await uow.accounts.save(user)
        await publish(uow, deps, user.events)
        await uow.commit()
    return {"account_id": user.id, "status": user.status, "rights": sorted(user.rights)}


async def list_users(cabinet_id: str, actor_id: str, uow: IdentityUnitOfWork) -> list[Account]:
    async with uow:
        await _require_administrator(uow, actor_id, cabinet_id)
        return [u for u in await uow.accounts.of_cabinet(cabinet_id) if u.status != "removed"]


async def user_after_change(
    cabinet_id: str, account_id: str, uow: IdentityUnitOfWork
) -> Account | None:
    """The user a change was just made to (the change itself checked who acted)."""
    async with uow:
        users = await uow.accounts.of_cabinet(cabinet_id)
        return next((u for u in users if u.id == account_id and u.status != "removed"), None)
