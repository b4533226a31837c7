"""A firm's clients through the bus with fakes: adding, the key, the lifecycle, and the
versions every mandate event carries."""

from __future__ import annotations

import pytest
from contracts.mandates import v1
from mandates.domain import commands, errors, keys
from mandates_fake_service import FakeService, admin, assure, collaborator
from mandates_world import affiliate

CAB = "cab-1"
SIRET = "73282932000074"


@pytest.fixture
async def svc() -> FakeService:
    built = FakeService()
    await built.firm(CAB, "adm-1")
    await built.feed(affiliate("aff-1", "732829320"))
    return built


async def _add(svc: FakeService, cabinet: str = CAB, account: str = "adm-1") -> str:
    added = await svc.handle(
        commands.AddClient(admin(cabinet, account), cabinet, SIRET, " Boulangerie Dupont ")
    )
    return str(added.mandate.id)


def _activate(mandate_id: str, key: str, cabinet: str = CAB) -> commands.ActivateMandate:
    return commands.ActivateMandate(admin(cabinet, f"adm-{cabinet[-1]}"), cabinet, mandate_id, key)


async def test_adding_a_client_commits_a_request_at_version_1_and_posts_its_key(
    svc: FakeService,
) -> None:
    mandate_id = await _add(svc)
    stored = svc.stored(mandate_id)
    assert (stored.state, stored.version, stored.client_name) == (
        "requested",
        1,
        "Boulangerie Dupont",
    )
    [issued] = svc.events(v1.MandateKeyIssuedV1)
    assert (issued.mandate_id, issued.cabinet_name, issued.version) == (
        mandate_id,
        "Cabinet Martin",
        1,
    )
    key = svc.key_of(mandate_id)
    assert stored.key_hash == keys.digest(keys.normalize(key))
    [entry] = await svc.uow.mandates.history(mandate_id)
    assert entry.transition == "requested"


@pytest.mark.parametrize(
    ("identifier", "refusal"),
    [
        ("73282932000075", errors.SiretInvalid),
        ("732829321", errors.SirenInvalid),
        ("1234", errors.IdentifierInvalid),
        ("552100554", errors.AffiliateUnknown),
    ],
)
async def test_a_client_the_rules_refuse_is_not_added_and_nothing_is_published(
    svc: FakeService, identifier: str, refusal: type[errors.ClientRefused]
) -> None:
    with pytest.raises(refusal):
        await svc.handle(commands.AddClient(admin(), CAB, identifier, "Client"))
    assert svc.committed.mandates == {}
    assert svc.events(v1.MandateKeyIssuedV1) == []


async def test_a_client_already_followed_is_refused(svc: FakeService) -> None:
    await _add(svc)
    with pytest.raises(errors.ClientAlreadyFollowed):
        await _add(svc)


async def test_a_collaborator_without_the_clients_right_cannot_add(svc: FakeService) -> None:
    with pytest.raises(errors.RightMissing) as refused:
        await svc.handle(commands.AddClient(collaborator("col-1", {"read"}), CAB, SIRET, "X"))
    assert refused.value.right == "clients"


async def test_another_firms_space_is_not_found(svc: FakeService) -> None:
    with pytest.raises(errors.CabinetNotFound):
        await svc.handle(commands.AddClient(admin("cab-9", "adm-9"), CAB, SIRET, "X"))


async def test_a_typo_costs_nothing_a_wrong_key_one_attempt_and_the_right_key_activates(
    svc: FakeService,
) -> None:
    mandate_id = await _add(svc)
    with pytest.raises(errors.KeyMistyped) as typo:
        await svc.handle(_activate(mandate_id, "ABC"))
    assert typo.value.attempts_left == 5
    assert svc.stored(mandate_id).version == 1
    with pytest.raises(errors.KeyMismatch) as wrong:
        await svc.handle(_activate(mandate_id, keys.new_key()))
    assert wrong.value.attempts_left == 4
    assert (svc.stored(mandate_id).failed_attempts, svc.stored(mandate_id).version) == (1, 2)

    mandate = (await svc.handle(_activate(mandate_id, svc.key_of(mandate_id).lower()))).mandate
    assert (mandate.state, mandate.version) == ("active", 3)
    [activated] = svc.events(v1.MandateActivatedV1)
    assert (activated.version, activated.portfolio_id, activated.client_name) == (
        3,
        mandate.portfolio_id,
        "Boulangerie Dupont",
    )
    assert activated.notify == []  # the only administrator is the one who acted
    with pytest.raises(errors.MandateStateConflict):
        await svc.handle(_activate(mandate_id, svc.key_of(mandate_id)))


async def test_the_fifth_wrong_key_locks_and_a_reissued_key_starts_over(svc: FakeService) -> None:
    mandate_id = await _add(svc)
    old_key = svc.key_of(mandate_id)
    for _ in range(4):
        with pytest.raises(errors.KeyMismatch):
            await svc.handle(_activate(mandate_id, keys.new_key()))
    with pytest.raises(errors.RequestLocked):
        await svc.handle(_activate(mandate_id, keys.new_key()))
    [locked] = svc.events(v1.MandateLockedV1)
    assert locked.version == 6 == svc.stored(mandate_id).version
    with pytest.raises(errors.RequestLocked):
        await svc.handle(_activate(mandate_id, old_key))

    reissued = (await svc.handle(commands.ReissueKey(admin(), CAB, mandate_id))).mandate
    assert (reissued.state, reissued.failed_attempts, reissued.version) == ("requested", 0, 7)
    assert [e.version for e in svc.events(v1.MandateKeyIssuedV1)] == [1, 7]
    first, second = [
        e for e in svc.db.outbox.events if isinstance(e.payload, v1.MandateKeyIssuedV1)
    ]
    assert first.payload.supersedes_event_id is None
    assert second.payload.supersedes_event_id == first.event_id
    with pytest.raises(errors.KeyMismatch):
        await svc.handle(_activate(mandate_id, old_key))
    activated = await svc.handle(_activate(mandate_id, svc.key_of(mandate_id)))
    assert activated.mandate.state == "active"


async def test_an_active_mandate_gets_no_new_key(svc: FakeService) -> None:
    mandate_id = await _add(svc)
    await svc.handle(_activate(mandate_id, svc.key_of(mandate_id)))
    with pytest.raises(errors.MandateStateConflict):
        await svc.handle(commands.ReissueKey(admin(), CAB, mandate_id))
    assert len(svc.events(v1.MandateKeyIssuedV1)) == 1


async def test_another_firm_activating_ends_the_previous_mandate_first(svc: FakeService) -> None:
    await svc.firm("cab-2", "adm-2")
    ours = await _add(svc)
    await svc.handle(_activate(ours, svc.key_of(ours)))
    theirs = await _add(svc, "cab-2", "adm-2")
    await svc.handle(_activate(theirs, svc.key_of(theirs), "cab-2"))

    [ended] = svc.events(v1.MandateEndedV1)
    assert (ended.mandate_id, ended.ended_by, ended.version) == (ours, "replacement", 3)
    assert [r.email for r in ended.notify] == ["adm-1@cabinet.fr"]
    kinds = [type(e.payload).__name__ for e in svc.db.outbox.events][-2:]
    assert kinds == ["MandateEndedV1", "MandateActivatedV1"]
    assert (svc.stored(ours).state, svc.stored(theirs).state) == ("ended", "active")


async def test_deleting_a_request_kills_its_key_and_deleting_an_active_mandate_ends_it(
    svc: FakeService,
) -> None:
    pending = await _add(svc)
    await svc.handle(commands.DeleteClient(admin(), CAB, pending))
    [deleted] = svc.events(v1.MandateDeletedV1)
    assert (deleted.mandate_id, deleted.version) == (pending, 2)
    with pytest.raises(errors.MandateStateConflict):
        await svc.handle(commands.DeleteClient(admin(), CAB, pending))

    active = await _add(svc)
    await svc.handle(_activate(active, svc.key_of(active)))
    await svc.handle(commands.DeleteClient(admin(), CAB, active))
    [ended] = svc.events(v1.MandateEndedV1)
    assert (ended.ended_by, ended.version) == ("cabinet", 3)


async def test_a_move_is_published_with_the_new_version_and_a_move_in_place_is_not(
    svc: FakeService,
) -> None:
    mandate_id = await _add(svc)
    lyon = (await svc.handle(commands.CreatePortfolio(admin(), CAB, "Lyon"))).portfolio
    moved = (await svc.handle(commands.MoveClient(admin(), CAB, mandate_id, lyon.id))).mandate
    assert (moved.portfolio_id, moved.version) == (lyon.id, 2)
    await svc.handle(commands.MoveClient(admin(), CAB, mandate_id, lyon.id))
    [event] = svc.events(v1.MandateMovedV1)
    assert (event.portfolio_id, event.version) == (lyon.id, 2)
    assert svc.stored(mandate_id).version == 2


async def test_only_an_administrator_moves_a_client(svc: FakeService) -> None:
    mandate_id = await _add(svc)
    with pytest.raises(errors.AdministratorRequired):
        await svc.handle(
            commands.MoveClient(collaborator("col-1", {"clients"}), CAB, mandate_id, "x")
        )


async def test_the_client_revokes_the_active_mandate_and_the_firm_is_told(
    svc: FakeService,
) -> None:
    mandate_id = await _add(svc)
    await svc.handle(_activate(mandate_id, svc.key_of(mandate_id)))
    revoked = await svc.handle(commands.RevokeMandate(assure("aff-1")))
    assert (revoked.state, revoked.ended_by) == ("ended", "client")
    [ended] = svc.events(v1.MandateEndedV1)
    assert ([r.email for r in ended.notify], ended.version) == (["adm-1@cabinet.fr"], 3)
    with pytest.raises(errors.ActiveMandateNotFound):
        await svc.handle(commands.RevokeMandate(assure("aff-1")))
    with pytest.raises(errors.AssureRequired):
        await svc.handle(commands.RevokeMandate(admin()))


async def test_every_mandate_event_carries_the_version_the_change_left(svc: FakeService) -> None:
    """key issued (1), a wrong key (2, unpublished), key re-issued (3), letter queued (4),
    activated (5), moved (6), revoked (7): each change one more, each event its version."""
    from contracts.notifications import v1 as notifications_v1

    mandate_id = await _add(svc)
    with pytest.raises(errors.KeyMismatch):
        await svc.handle(_activate(mandate_id, keys.new_key()))
    await svc.handle(commands.ReissueKey(admin(), CAB, mandate_id))
    key_event = svc.stored(mandate_id).key_event_id
    await svc.feed(
        notifications_v1.LetterStatusChangedV1(
            message_id="m-1",
            kind="activation_key_letter",
            source_event_id=key_event,
            affiliate_id="aff-1",
            status="queued",
            changed_at=svc.clock.now(),
        )
    )
    await svc.handle(_activate(mandate_id, svc.key_of(mandate_id)))
    lyon = (await svc.handle(commands.CreatePortfolio(admin(), CAB, "Lyon"))).portfolio
    await svc.handle(commands.MoveClient(admin(), CAB, mandate_id, lyon.id))
    await svc.handle(commands.RevokeMandate(assure("aff-1")))

    published = [
        (e.payload.event_type.split(".")[2], e.payload.version)  # type: ignore[attr-defined]
        for e in svc.db.outbox.events
        if e.payload.topic == v1.MANDATE
    ]
    assert published == [
        ("key_issued", 1),
        ("key_issued", 3),
        ("letter_status_changed", 4),
        ("activated", 5),
        ("moved", 6),
        ("ended", 7),
    ]
    assert svc.stored(mandate_id).version == 7
