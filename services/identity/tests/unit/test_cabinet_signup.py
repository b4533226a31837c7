from datetime import timedelta

import pytest
from contracts.identity import v1
from identity.domain import commands, errors
from identity.service_layer import handlers
from identity_fakes import AwaitedPlainHasher, ClearSealer, FakeIdentityUow, SequentialTokens
from servicekit.clock import FakeClock


def _deps(clock: FakeClock) -> handlers.Dependencies:
    return handlers.Dependencies(
        clock=clock,
        hasher=AwaitedPlainHasher(),
        sealer=ClearSealer(),
        tokens=SequentialTokens(),
        activation_url="http://id/v1/accounts/activation",
    )


def _signup(
    email: str = "claire@cabinet.fr", siret: str = "73282932000074"
) -> commands.RegisterCabinet:
    return commands.RegisterCabinet(
        raison_sociale="Cabinet Martin",
        siret=siret,
        address="1 rue de la Paix, 75002 Paris",
        admin_first_name="Claire",
        admin_last_name="Martin",
        email=email,
        password="une phrase de passe",
    )


async def test_a_signup_commits_the_firm_a_pending_admin_and_three_events() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    result = await handlers.register_cabinet(_signup(), uow, _deps(clock))
    assert result["status"] == "pending"
    admin = uow.accounts.store[result["admin_account_id"]]
    assert admin.cabinet_id == result["cabinet_id"]
    assert admin.rights == {"admin", "clients", "declare", "pay", "read"}
    assert [type(e.payload) for e in uow.outbox.events] == [
        v1.CabinetRegisteredV1,
        v1.AccountRegisteredV1,
        v1.AccountActivationRequestedV1,
    ]
    request = uow.outbox.of_type(v1.AccountActivationRequestedV1)[0]
    assert isinstance(request, v1.AccountActivationRequestedV1)
    assert (
        request.sealed_link == "sealed:http://id/v1/accounts/activation?token=token-0001-abcdefgh"
    )
    assert request.expires_at == clock.now() + timedelta(hours=48)


async def test_an_email_already_used_gets_the_new_firm_answer_and_tells_its_owner() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    deps = _deps(clock)
    first = await handlers.register_cabinet(_signup(), uow, deps)
    again = await handlers.register_cabinet(
        _signup(email="CLAIRE@cabinet.fr", siret="44306184100047"), uow, deps
    )
    assert again.keys() == first.keys()
    assert again["status"] == "pending"
    assert again["admin_account_id"] != first["admin_account_id"]
    assert again["activation_expires_at"] == clock.now() + timedelta(hours=48)
    assert len(uow.cabinets.store) == 1
    assert len(uow.accounts.store) == 1
    [attempt] = uow.outbox.of_type(v1.AccountRegistrationAttemptedV1)
    assert isinstance(attempt, v1.AccountRegistrationAttemptedV1)
    assert attempt.account_id == first["admin_account_id"]
    assert attempt.email == "claire@cabinet.fr"
    assert attempt.display_name == "Claire Martin"


async def test_a_siret_already_registered_is_refused() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    deps = _deps(clock)
    await handlers.register_cabinet(_signup(), uow, deps)
    with pytest.raises(errors.SiretAlreadyRegistered):
        await handlers.register_cabinet(_signup(email="other@cabinet.fr"), uow, deps)


async def test_the_activation_token_activates_the_account_once() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    deps = _deps(clock)
    result = await handlers.register_cabinet(_signup(), uow, deps)
    activated = await handlers.activate_account(
        commands.ActivateAccount(token="token-0001-abcdefgh"), uow, deps
    )
    assert activated["status"] == "active"
    assert uow.accounts.store[result["admin_account_id"]].status == "active"
    assert isinstance(uow.outbox.events[-1].payload, v1.AccountActivatedV1)
    with pytest.raises(errors.ActivationLinkUsed):
        await handlers.activate_account(
            commands.ActivateAccount(token="token-0001-abcdefgh"), uow, deps
        )


async def test_an_expired_activation_link_is_refused_and_the_account_stays_pending() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    deps = _deps(clock)
    result = await handlers.register_cabinet(_signup(), uow, deps)
    clock.advance(timedelta(hours=48))
    with pytest.raises(errors.ActivationLinkExpired):
        await handlers.activate_account(
            commands.ActivateAccount(token="token-0001-abcdefgh"), uow, deps
        )
    assert uow.accounts.store[result["admin_account_id"]].status == "pending"


async def test_an_unknown_activation_token_is_refused() -> None:
    uow, clock = FakeIdentityUow(), FakeClock()
    with pytest.raises(errors.ActivationLinkInvalid):
        await handlers.activate_account(
            commands.ActivateAccount(token="nope-nope-nope"), uow, _deps(clock)
        )
