"""The public-holiday calendars are loaded with the process, not by the first request that
needs a working day: the ``holidays`` library loads every country at its first use, which
held a freshly started api's first account read for half a second."""

import subprocess
import sys

import pytest

PROBE = """
import sys
import {module}
print(
    "holidays.countries.france" in sys.modules,
    "holidays.countries.germany" in sys.modules,
)
"""


@pytest.mark.parametrize("module", ["cotisations.entrypoints.api", "appointments.entrypoints.api"])
def test_an_api_process_has_the_holiday_calendars_before_its_first_request(module: str) -> None:
    found = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert found.stdout.split() == ["True", "True"], found.stderr
