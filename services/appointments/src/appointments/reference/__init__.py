"""The agencies' reference data the service ships: ``agencies.json``, versioned with the code
(an edit of opening hours, a closure or a new agency is a reviewed change of that file)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from appointments.domain.agencies import ReferenceData, parse_reference

REFERENCE_FILE = "agencies.json"


def load_packaged_document() -> dict[str, Any]:
    """The packaged file as written (JSON), not checked."""
    text = resources.files(__package__).joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def load_packaged_reference() -> ReferenceData:
    """The reference data of the packaged file, checked (ReferenceError if it is wrong)."""
    return parse_reference(load_packaged_document())
