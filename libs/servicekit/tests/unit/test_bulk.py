"""The collector paused for a bulk use case, and back as it was after it."""

from __future__ import annotations

import gc

import pytest
from servicekit.bulk import collector_paused


def _bulk_work_that_fails() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: still off when the inner one ends
            pass
        assert not gc.isenabled()
        raise RuntimeError


def test_the_collector_is_off_inside_and_back_on_after_even_on_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        _bulk_work_that_fails()
    assert gc.isenabled()


def test_a_collector_already_off_is_left_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
