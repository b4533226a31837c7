"""appointments' api for an agency's management by agents (their token): a slot's capacity,
a closure, the agency's record; and the reads these pages need (a day's free slots, the
appointments to come).

Every refusal is an :class:`~portal.adapters.apis.ApiError` in French, as for any service.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from portal.adapters.apis import ServiceApi

MOST_SLOTS = 200
"""The most free slots (and appointments) appointments gives in one page."""


def _q(value: str) -> str:
    return quote(value, safe="")


class AgencyAdminApi:
    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def free_slots(
        self, agency_id: str, first_day: date | None = None, last_day: date | None = None
    ) -> list[dict[str, Any]]:
        """The agency's free slots (places left) from ``first_day`` to ``last_day``; the first
        one alone when no day is given."""
        params: dict[str, Any] = {"agency_id": agency_id, "limit": MOST_SLOTS if first_day else 1}
        if first_day:
            params["from"] = first_day.isoformat()
        if last_day:
            params["to"] = last_day.isoformat()
        found = (await self.api.call("GET", "/v1/slots", params=params)).json()
        items: list[dict[str, Any]] = found.get("items", [])
        return items

    async def appointments_to_come(
        self, token: str, agency_id: str, cursor: str | None
    ) -> dict[str, Any]:
        """A page of the agency's appointments in order of start, from the day before."""
        params: dict[str, Any] = {"limit": MOST_SLOTS}
        if cursor:
            params["cursor"] = cursor
        path = f"/v1/agencies/{_q(agency_id)}/appointments"
        page: dict[str, Any] = (await self.api.call("GET", path, token=token, params=params)).json()
        return page

    async def set_capacity(
        self, token: str, agency_id: str, starts_at: str, capacity: int
    ) -> dict[str, Any]:
        """``{capacity, taken}``; 404 not a slot, 409 ``capacity-below-taken``."""
        path = f"/v1/agencies/{_q(agency_id)}/slots/{_q(starts_at)}/capacity"
        done: dict[str, Any] = (
            await self.api.call("PUT", path, token=token, json={"capacity": capacity})
        ).json()
        return done

    async def close(
        self, token: str, agency_id: str, first_day: date, last_day: date, label: str
    ) -> dict[str, Any]:
        """``{agency, cancelled}``: the record with its new closure, the appointments
        cancelled."""
        body = {
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "label": label,
        }
        path = f"/v1/agencies/{_q(agency_id)}/closures"
        done: dict[str, Any] = (await self.api.call("POST", path, token=token, json=body)).json()
        return done

    async def edit(self, token: str, agency_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """The agency's new record (its ``version`` moved on); 422 with the record's fault."""
        path = f"/v1/agencies/{_q(agency_id)}"
        done: dict[str, Any] = (await self.api.call("PUT", path, token=token, json=record)).json()
        return done
