"""The consumers (radiation, letter statuses, once per event) and the spreadsheet import,
through the bus and the consumers with fakes."""

from __future__ import annotations

import pytest
from contracts.mandates import v1
from contracts.notifications import v1 as notifications_v1
from mandates.adapters.spreadsheet import parse_clients
from mandates.domain import commands, errors
from mandates.service_layer import consumers, views
from mandates_fake_service import FakeService, admin
from mandates_world import affiliate, incoming

CAB = "cab-1"


@pytest.fixture
async def svc() -> FakeService:
    built = FakeService()
    await built.firm(CAB, "adm-1")
    await built.feed(affiliate("aff-1", "732829320"))
    await built.feed(affiliate("aff-2", "552100554"))
    return built


async def _add(svc: FakeService, identifier: str = "732829320") -> str:
    added = await svc.handle(commands.AddClient(admin(), CAB, identifier, "Dupont"))
    return str(added.mandate.id)


def _letter(
    svc: FakeService, mandate_id: str, status: str
) -> notifications_v1.LetterStatusChangedV1:
    return notifications_v1.LetterStatusChangedV1(
        message_id="m-1",
        kind="activation_key_letter",
        source_event_id=svc.stored(mandate_id).key_event_id,
        affiliate_id=svc.stored(mandate_id).affiliate_id,
        status=status,  # type: ignore[arg-type]
        changed_at=svc.clock.now(),
    )


async def test_a_radiation_ends_the_active_mandate_and_deletes_a_pending_request(
    svc: FakeService,
) -> None:
    await svc.firm("cab-2", "adm-2")
    active = await _add(svc)
    await svc.handle(commands.ActivateMandate(admin(), CAB, active, svc.key_of(active)))
    other = await svc.handle(commands.AddClient(admin("cab-2", "adm-2"), "cab-2", "732829320", "D"))
    pending = str(other.mandate.id)
    await svc.feed(affiliate("aff-1", "732829320", radiated=True))
    [ended] = svc.events(v1.MandateEndedV1)
    [deleted] = svc.events(v1.MandateDeletedV1)
    assert (ended.mandate_id, ended.ended_by, ended.version) == (active, "registry", 3)
    assert (deleted.mandate_id, deleted.version) == (pending, 2)
    history = [h.transition for h in await svc.uow.mandates.history(pending)]
    assert history == ["requested", "deleted"]


async def test_letter_statuses_of_one_fetch_move_the_request_once_each_in_order(
    svc: FakeService,
) -> None:
    first, second = await _add(svc), await _add(svc, "552100554")
    fetch = [
        incoming(_letter(svc, first, "queued")),
        incoming(_letter(svc, second, "queued")),
        incoming(_letter(svc, first, "posted")),
    ]
    await consumers.on_letter_statuses(fetch, svc.uow, svc.deps)
    await consumers.on_letter_statuses(fetch, svc.uow, svc.deps)  # redelivered: nothing
    changes = [
        (e.mandate_id, e.letter_status, e.version)
        for e in svc.events(v1.MandateLetterStatusChangedV1)
    ]
    assert changes == [(first, "queued", 2), (second, "queued", 2), (first, "posted", 3)]
    assert (svc.stored(first).state, svc.stored(first).letter_status) == ("letter_sent", "posted")
    assert svc.stored(first).version == 3


async def test_a_status_already_known_changes_nothing(svc: FakeService) -> None:
    mandate_id = await _add(svc)
    await svc.feed(_letter(svc, mandate_id, "printed"))
    await svc.feed(_letter(svc, mandate_id, "printed"))
    assert len(svc.events(v1.MandateLetterStatusChangedV1)) == 1
    assert svc.stored(mandate_id).version == 2


async def test_an_import_adds_the_valid_rows_each_at_version_1_with_its_key(
    svc: FakeService,
) -> None:
    sheet = parse_clients(
        b"siret;nom\n73282932000074;Dupont\n552100554;Leroy\n552100554;Doublon\n1;Faux\n",
        content_type="text/csv",
    )
    cmd = commands.ImportClients(admin(), CAB, "imp-1", sheet, "valid_rows")
    report = await svc.handle(cmd)
    assert (report.outcome, report.added, report.refused) == ("imported", 2, 2)
    assert [r.code for r in report.rows] == [None, None, "duplicate-row", "invalid-identifier"]
    issued = svc.events(v1.MandateKeyIssuedV1)
    assert [(e.mandate_id, e.version) for e in issued] == [
        (report.rows[0].client_id, 1),
        (report.rows[1].client_id, 1),
    ]
    again = await svc.handle(cmd)
    assert again.replayed
    assert len(svc.events(v1.MandateKeyIssuedV1)) == 2
    stored = await views.import_report(svc.uow, admin(), CAB, "imp-1")
    assert stored.added == 2
    with pytest.raises(errors.ImportNotFound):
        await views.import_report(svc.uow, admin(), CAB, "nope")


async def test_all_or_nothing_adds_nothing_when_a_row_is_refused(svc: FakeService) -> None:
    sheet = parse_clients(b"siret;nom\n73282932000074;Dupont\n1;Faux\n", content_type="text/csv")
    report = await svc.handle(commands.ImportClients(admin(), CAB, "imp-2", sheet))
    assert (report.outcome, report.added) == ("rejected", 0)
    assert [(r.status, r.code) for r in report.rows] == [
        ("valid_not_imported", "not-imported"),
        ("refused", "invalid-identifier"),
    ]
    assert svc.committed.mandates == {}
    assert svc.events(v1.MandateKeyIssuedV1) == []
