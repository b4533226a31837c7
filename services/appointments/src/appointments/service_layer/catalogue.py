"""The agencies as the use cases see them: each stored record parsed once per version (the
reference's checks), with the packaged regions and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from appointments.domain.agencies import Agency, Region, VisitReason, parse_reference
from appointments.service_layer.ports import AgencyRecord


class Catalogue:
    def __init__(self, document: dict[str, Any]) -> None:
        self._regions_raw = document["regions"]
        self._reasons_raw = document["reasons"]
        packaged = parse_reference(document)
        self.regions: tuple[Region, ...] = packaged.regions
        self.reasons: tuple[VisitReason, ...] = packaged.reasons
        self.file_agencies: dict[str, dict[str, Any]] = {
            raw["agency_id"]: raw for raw in document["agencies"]
        }
        self._parsed: dict[tuple[str, int], Agency] = {}

    def check(self, record: dict[str, Any]) -> Agency:
        """One agency's record checked as the file's (ReferenceError in French)."""
        data = parse_reference(
            {
                "version": 1,
                "regions": self._regions_raw,
                "reasons": self._reasons_raw,
                "agencies": [record],
            }
        )
        return data.agencies[0]

    def agencies(self, rows: Sequence[AgencyRecord]) -> list[Agency]:
        out = []
        for row in rows:
            key = (row.agency_id, row.version)
            agency = self._parsed.get(key)
            if agency is None:
                agency = self.check({**row.record, "version": row.version})
                self._parsed[key] = agency
            out.append(agency)
        return sorted(out, key=lambda a: a.agency_id)

    def reason(self, code: str) -> VisitReason | None:
        return next((r for r in self.reasons if r.code == code), None)

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)
