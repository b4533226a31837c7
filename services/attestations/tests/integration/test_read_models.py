"""The read models fed by events, over each database backend: each event applied once, a
replay or a late older event harmless, an event for an affilié not yet in the registry kept."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from attestations.bootstrap import bootstrap
from attestations.config import AttestationsSettings
from attestations_samples import NOW, affiliate, event, recorded, rejected, standing
from contracts.cotisations import v1 as cotisations_v1
from servicekit.clock import FakeClock


async def test_the_read_models_follow_the_events_once_and_keep_the_newest(
    database_url: str, tmp_path: Path
) -> None:
    app = bootstrap(
        AttestationsSettings(database_url=database_url, data_dir=str(tmp_path)),
        clock=FakeClock(NOW),
    )
    await app.migrate()
    try:
        # payments arrive before the registry has said anything of aff-1: they are kept
        settled = event(recorded("pay-1", "412.00", date(2026, 2, 5)))
        await app.on_payments([settled, settled])
        await app.on_payment(settled)  # a redelivery
        late = event(rejected("pay-1"), at=NOW + timedelta(minutes=5))
        await app.on_payment(late)
        await app.on_payment(late)
        newer = event(affiliate("aff-1", usage_name="Durand"), at=NOW + timedelta(hours=1))
        older = event(affiliate("aff-1", category="commercant"), at=NOW)
        await app.on_affiliates([newer, older])
        granted = cotisations_v1.PaymentPlanGrantedV1(
            affiliate_id="aff-1",
            plan_id="plan-1",
            decided_by="rule",
            total="412.00",
            instalments=[],
            granted_at=NOW,
            standing=standing("0.00", "412.00", as_of=date(2026, 3, 10)),
        )
        await app.on_payment(event(granted, at=NOW + timedelta(hours=2)))
        # an older standing delivered late changes nothing
        await app.on_payment(
            event(
                recorded(
                    "pay-0", "10.00", date(2026, 1, 5), standing=standing(as_of=date(2026, 1, 5))
                )
            )
        )

        async with app.new_uow(read_only=True) as uow:
            record = await uow.facts.affiliate("aff-1")
            assert record is not None
            assert record.holder == "Jean Durand"
            assert record.category == "artisan"
            s = await uow.facts.standing("aff-1")
            assert s is not None
            assert s.as_of == date(2026, 3, 10)
            assert s.balance_due == Decimal("412.00")
            assert await uow.facts.plan("aff-1") == "running"
            paid = await uow.facts.paid_in("aff-1", 2026)
            assert paid.total == Decimal("10.00")  # pay-1 was rejected: it does not stand
            assert paid.payments == 1
    finally:
        await app.stop()
