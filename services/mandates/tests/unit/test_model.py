"""The aggregates alone: every transition refuses a state that does not allow it, and each
change is one more version and one recorded event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mandates.domain import errors, events, keys
from mandates.domain.directory import Affiliate
from mandates.domain.model import Mandate, MandateState
from mandates.domain.portfolios import Portfolio

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _mandate(state: MandateState = "requested") -> tuple[Mandate, str]:
    key = keys.new_key()
    mandate = Mandate.request(
        mandate_id="m-1",
        cabinet_id="cab-1",
        affiliate=Affiliate("aff-1", "732829320", "Jean Dupont", radiated=False, consent=True),
        siren="732829320",
        client_name="Dupont",
        portfolio_id="p-1",
        key=key,
        key_event_id="ev-1",
        now=NOW,
    )
    mandate.state = state
    mandate.events.clear()
    return mandate, key


@pytest.mark.parametrize("state", ["active", "ended", "deleted"])
def test_only_a_pending_request_is_activated(state: MandateState) -> None:
    mandate, key = _mandate(state)
    with pytest.raises(errors.MandateStateConflict):
        mandate.activate(key, NOW, actor="adm-1")
    assert (mandate.version, mandate.events) == (1, [])


def test_a_locked_request_refuses_even_the_right_key() -> None:
    mandate, key = _mandate("locked")
    with pytest.raises(errors.RequestLocked):
        mandate.activate(key, NOW, actor="adm-1")


@pytest.mark.parametrize("state", ["requested", "letter_sent", "locked", "ended", "deleted"])
def test_only_an_active_mandate_ends(state: MandateState) -> None:
    mandate, _ = _mandate(state)
    with pytest.raises(errors.MandateStateConflict):
        mandate.end("client", NOW)


@pytest.mark.parametrize("state", ["active", "ended", "deleted"])
def test_only_a_pending_or_locked_request_gets_a_new_key(state: MandateState) -> None:
    mandate, _ = _mandate(state)
    with pytest.raises(errors.MandateStateConflict):
        mandate.reissue(keys.new_key(), "ev-2", NOW)


@pytest.mark.parametrize("state", ["ended", "deleted"])
def test_a_client_no_longer_followed_is_neither_deleted_moved_nor_radiated(
    state: MandateState,
) -> None:
    mandate, _ = _mandate(state)
    with pytest.raises(errors.MandateStateConflict):
        mandate.delete(NOW, actor="adm-1")
    with pytest.raises(errors.MandateStateConflict):
        mandate.move_to("p-2", NOW)
    with pytest.raises(errors.MandateStateConflict):
        mandate.close_for_radiation(NOW)
    assert mandate.version == 1


def test_each_change_is_one_more_version_and_its_event_carries_it() -> None:
    mandate, key = _mandate()
    mandate.activate(key, NOW, actor="adm-1")
    assert mandate.move_to("p-2", NOW)
    assert not mandate.move_to("p-2", NOW)
    mandate.end("cabinet", NOW, actor="adm-1")
    assert [(type(e).__name__, e.version) for e in mandate.events] == [  # type: ignore[attr-defined]
        ("MandateActivated", 2),
        ("MandateMoved", 3),
        ("MandateEnded", 4),
    ]
    ended = mandate.events[-1]
    assert isinstance(ended, events.MandateEnded)
    assert (ended.ended_by, ended.actor, ended.portfolio_id) == ("cabinet", "adm-1", "p-2")
    assert [h.transition for h in mandate.history] == ["requested", "activated", "moved", "ended"]


def test_a_new_request_records_its_key_issued_event_with_the_plain_key_kept_out_of_repr() -> None:
    key = keys.new_key()
    mandate = Mandate.request(
        mandate_id="m-1",
        cabinet_id="cab-1",
        affiliate=Affiliate("aff-1", "732829320", "Jean Dupont", radiated=False, consent=True),
        siren="732829320",
        client_name="Dupont",
        portfolio_id="p-1",
        key=key,
        key_event_id="ev-1",
        now=NOW,
    )
    [issued] = mandate.events
    assert isinstance(issued, events.KeyIssued)
    assert (issued.key, issued.event_id, issued.version) == (key, "ev-1", 1)
    assert key not in repr(issued)


def test_a_portfolio_counts_subscribers_added_and_removed_as_changes() -> None:
    p = Portfolio.create(
        portfolio_id="p-1", cabinet_id="cab-1", name="Lyon", owner_account_id="adm-1",
        now=NOW, actor="adm-1",
    )  # fmt: skip
    assert p.subscribe("col-1", "Paul", NOW, "adm-1")
    assert not p.subscribe("col-1", "Paul", NOW, "adm-1")
    assert p.unsubscribe("col-1", "Paul", NOW, "adm-1")
    assert not p.unsubscribe("col-1", "Paul", NOW, "adm-1")
    assert p.rename("Lyon Sud", NOW, "adm-1")
    assert not p.rename("Lyon Sud", NOW, "adm-1")
    assert [e.version for e in p.events] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    default = Portfolio.create(
        portfolio_id="p-0", cabinet_id="cab-1", name="Cabinet", owner_account_id="adm-1",
        now=NOW, actor=None, is_default=True,
    )  # fmt: skip
    with pytest.raises(errors.DefaultPortfolioUndeletable):
        default.delete(0, NOW, "adm-1")
    with pytest.raises(errors.PortfolioNotEmpty):
        p.delete(1, NOW, "adm-1")
    assert p.version == 4
