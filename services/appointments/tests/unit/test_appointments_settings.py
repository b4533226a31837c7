"""The development setting that moves the service's clock: read by every rule, refused in
production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from appointments.bootstrap import service_clock
from appointments.config import AppointmentsSettings
from appointments_samples import SECRET_KEY
from pydantic import ValidationError
from servicekit.clock import ShiftedClock


def test_a_shifted_clock_reads_the_real_time_moved_by_its_shift() -> None:
    week = timedelta(days=7)
    before = datetime.now(UTC)
    read = ShiftedClock(week).now()
    after = datetime.now(UTC)
    assert before + week <= read <= after + week
    assert read.tzinfo is not None


def test_the_service_reads_the_real_time_unless_told_to_shift_it() -> None:
    assert service_clock(AppointmentsSettings(secret_key=SECRET_KEY)) is None
    shifted = service_clock(AppointmentsSettings(secret_key=SECRET_KEY, clock_shift_s=86_400))
    assert isinstance(shifted, ShiftedClock)
    assert shifted.now() - datetime.now(UTC) > timedelta(hours=23, minutes=59)


def test_a_shifted_clock_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="APPOINTMENTS_CLOCK_SHIFT_S"):
        AppointmentsSettings(secret_key=SECRET_KEY, environment="production", clock_shift_s=60)
    assert AppointmentsSettings(secret_key=SECRET_KEY, environment="production").clock_shift_s == 0


def test_the_reminders_lease_must_outlive_two_runs() -> None:
    with pytest.raises(ValidationError, match="APPOINTMENTS_REMINDER_LEASE_TTL_S"):
        AppointmentsSettings(
            secret_key=SECRET_KEY, reminder_interval_s=60, reminder_lease_ttl_s=100
        )
    kept = AppointmentsSettings(
        secret_key=SECRET_KEY, reminder_interval_s=1, reminder_lease_ttl_s=3
    )
    assert kept.reminder_lease_ttl_s == 3
