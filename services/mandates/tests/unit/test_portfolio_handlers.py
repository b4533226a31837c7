"""Portfolios through the bus with fakes: the rules, who is told, and the versions every
portfolio event carries (subscribers added and removed are changes of the portfolio)."""

from __future__ import annotations

import pytest
from contracts.mandates import v1
from mandates.domain import commands, errors
from mandates_fake_service import FakeService, admin, collaborator
from mandates_world import affiliate

CAB = "cab-1"


@pytest.fixture
async def svc() -> FakeService:
    built = FakeService()
    await built.firm(CAB, "adm-1")
    await built.user("col-1", admin=False)
    await built.user("adm-2", admin=True)
    return built


def _default_id(svc: FakeService) -> str:
    return next(p.id for p in svc.committed.portfolios.values() if p.is_default)


async def test_a_new_firm_gets_its_default_portfolio_at_version_1(svc: FakeService) -> None:
    [created] = svc.events(v1.PortfolioCreatedV1)
    assert (created.portfolio_name, created.version, created.notify) == ("Cabinet Martin", 1, [])
    default = svc.committed.portfolios[_default_id(svc)]
    assert (default.owner_account_id, default.is_default, default.version) == ("adm-1", True, 1)


async def test_every_change_of_a_portfolio_is_one_more_version_in_its_event(
    svc: FakeService,
) -> None:
    lyon = (await svc.handle(commands.CreatePortfolio(admin(), CAB, "  Clients   Lyon "))).portfolio
    assert (lyon.name, lyon.version) == ("Clients Lyon", 1)
    await svc.handle(commands.RenamePortfolio(admin(), CAB, lyon.id, "Lyon Sud"))
    await svc.handle(commands.RenamePortfolio(admin(), CAB, lyon.id, "Lyon Sud"))  # no change
    await svc.handle(commands.AddSubscriber(admin(), CAB, lyon.id, "col-1"))
    await svc.handle(commands.AddSubscriber(admin(), CAB, lyon.id, "col-1"))  # no change
    await svc.handle(commands.RemoveSubscriber(admin(), CAB, lyon.id, "col-1"))
    await svc.handle(commands.TransferPortfolio(admin(), CAB, lyon.id, "adm-2"))
    assert svc.committed.portfolios[lyon.id].version == 5
    await svc.handle(commands.DeletePortfolio(admin(), CAB, lyon.id))

    published = [
        (e.payload.event_type.split(".")[2], e.payload.version)  # type: ignore[attr-defined]
        for e in svc.db.outbox.events
        if e.payload.topic == v1.PORTFOLIO and e.subject == CAB
    ][1:]  # after the default portfolio's creation
    assert published == [
        ("created", 1),
        ("renamed", 2),
        ("subscriber_added", 3),
        ("subscriber_removed", 4),
        ("transferred", 5),
        ("deleted", 6),
    ]
    assert lyon.id not in svc.committed.portfolios


async def test_the_subscribers_concerned_are_told_never_the_one_who_acted(
    svc: FakeService,
) -> None:
    lyon = (await svc.handle(commands.CreatePortfolio(admin(), CAB, "Lyon"))).portfolio
    await svc.handle(commands.AddSubscriber(admin(), CAB, lyon.id, "col-1"))
    [added] = svc.events(v1.PortfolioSubscriberAddedV1)
    assert [r.email for r in added.notify] == ["col-1@cabinet.fr"]
    await svc.handle(commands.RemoveSubscriber(admin(), CAB, lyon.id, "col-1"))
    [removed] = svc.events(v1.PortfolioSubscriberRemovedV1)
    assert [(r.email, r.display_name) for r in removed.notify] == [
        ("col-1@cabinet.fr", "User col-1")
    ]
    await svc.handle(commands.TransferPortfolio(admin(), CAB, lyon.id, "adm-2"))
    [transferred] = svc.events(v1.PortfolioTransferredV1)
    assert (transferred.from_account_id, transferred.to_account_id) == ("adm-1", "adm-2")
    assert [r.email for r in transferred.notify] == ["adm-2@cabinet.fr"]
    assert svc.committed.portfolios[lyon.id].subscribers == {"adm-2"}


async def test_names_are_checked_and_unique_whatever_the_case(svc: FakeService) -> None:
    await svc.handle(commands.CreatePortfolio(admin(), CAB, "Lyon"))
    with pytest.raises(errors.PortfolioNameTaken):
        await svc.handle(commands.CreatePortfolio(admin(), CAB, " LYON "))
    with pytest.raises(errors.PortfolioNameInvalid):
        await svc.handle(commands.CreatePortfolio(admin(), CAB, "   "))
    with pytest.raises(errors.PortfolioNameInvalid):
        await svc.handle(commands.CreatePortfolio(admin(), CAB, "x" * 121))


async def test_the_default_portfolio_and_a_portfolio_with_clients_are_kept(
    svc: FakeService,
) -> None:
    with pytest.raises(errors.DefaultPortfolioUndeletable):
        await svc.handle(commands.DeletePortfolio(admin(), CAB, _default_id(svc)))
    await svc.feed(affiliate("aff-1", "732829320"))
    lyon = (await svc.handle(commands.CreatePortfolio(admin(), CAB, "Lyon"))).portfolio
    await svc.handle(commands.AddClient(admin(), CAB, "732829320", "Dupont", None, lyon.id))
    with pytest.raises(errors.PortfolioNotEmpty):
        await svc.handle(commands.DeletePortfolio(admin(), CAB, lyon.id))
    assert len(svc.events(v1.PortfolioDeletedV1)) == 0


async def test_a_portfolio_goes_only_to_an_administrator_of_the_firm(svc: FakeService) -> None:
    default = _default_id(svc)
    with pytest.raises(errors.TransfereeNotAdministrator):
        await svc.handle(commands.TransferPortfolio(admin(), CAB, default, "col-1"))
    with pytest.raises(errors.FirmUserNotFound):
        await svc.handle(commands.TransferPortfolio(admin(), CAB, default, "ghost"))
    with pytest.raises(errors.FirmUserNotFound):
        await svc.handle(commands.AddSubscriber(admin(), CAB, default, "ghost"))


async def test_collaborators_do_not_manage_portfolios_and_see_only_theirs(
    svc: FakeService,
) -> None:
    with pytest.raises(errors.AdministratorRequired):
        await svc.handle(commands.CreatePortfolio(collaborator("col-1", {"clients"}), CAB, "X"))
    with pytest.raises(errors.AdministratorRequired):
        await svc.handle(
            commands.RenamePortfolio(collaborator("col-1", {"clients"}), CAB, _default_id(svc), "X")
        )
    with pytest.raises(errors.PortfolioNotFound):
        await svc.handle(commands.RenamePortfolio(admin(), CAB, "nope", "X"))
    with pytest.raises(errors.SubscriptionMissing):
        await svc.handle(
            commands.AddClient(collaborator("col-1", {"clients"}), CAB, "732829320", "Dupont")
        )
