"""appointments' api as the portal's pages call it: the public booking (no token, or an
assuré's for the pre-filled form), the manage link's calls, and the agents' work (their token).

Every refusal is an :class:`~portal.adapters.apis.ApiError` in French, as for any service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from portal.adapters.apis import ServiceApi

SLOTS_PER_PAGE = 12
"""Free slots shown at once; « Créneaux suivants » asks for the next ones."""


def _q(value: str) -> str:
    return quote(value, safe="")


class AppointmentsApi:
    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def _get(self, path: str, *, token: str | None = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        return (await self.api.call("GET", path, token=token, params=query)).json()

    async def _post(self, path: str, body: dict[str, Any], *, token: str | None = None) -> Any:
        return (await self.api.call("POST", path, token=token, json=body)).json()

    # -- public: the booking ----------------------------------------------------------------

    async def reasons(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get("/v1/reasons")
        return found

    async def regions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get("/v1/regions")
        return found

    async def agencies(self, region: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get(f"/v1/regions/{_q(region)}/agencies")
        return found

    async def agency(self, agency_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(f"/v1/agencies/{_q(agency_id)}")
        return found

    async def slots(
        self, agency_id: str, channel: str | None, cursor: str | None, limit: int = SLOTS_PER_PAGE
    ) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(
            "/v1/slots", agency_id=agency_id, channel=channel, cursor=cursor, limit=limit
        )
        return found

    async def booking_form(self, token: str | None) -> dict[str, Any]:
        found: dict[str, Any] = await self._get("/v1/booking-form", token=token)
        return found

    async def captcha(self) -> dict[str, Any]:
        found: dict[str, Any] = await self._get("/v1/captcha")
        return found

    async def book(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        booked: dict[str, Any] = await self._post("/v1/appointments", body, token=token)
        return booked

    # -- the manage link ----------------------------------------------------------------------

    async def by_link(self, link: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(f"/v1/appointments/manage/{_q(link)}")
        return found

    async def cancel_by_link(self, link: str) -> dict[str, Any]:
        done: dict[str, Any] = await self._post(f"/v1/appointments/manage/{_q(link)}/cancel", {})
        return done

    async def reschedule_by_link(self, link: str, starts_at: str) -> dict[str, Any]:
        path = f"/v1/appointments/manage/{_q(link)}/reschedule"
        moved: dict[str, Any] = await self._post(path, {"starts_at": starts_at})
        return moved

    # -- agents -------------------------------------------------------------------------------

    async def of_agency(
        self, token: str, agency_id: str, *, state: str, day: str, cursor: str | None
    ) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(
            f"/v1/agencies/{_q(agency_id)}/appointments",
            token=token,
            state=state,
            day=day,
            cursor=cursor,
        )
        return found

    async def appointment(self, token: str, appointment_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(
            f"/v1/appointments/{_q(appointment_id)}", token=token
        )
        return found

    async def act(
        self, token: str, appointment_id: str, action: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``action``: ``confirmation`` (``note``), ``cancellation`` (``explanation``) or
        ``outcome`` (``outcome``)."""
        path = f"/v1/appointments/{_q(appointment_id)}/{action}"
        done: dict[str, Any] = await self._post(path, body, token=token)
        return done
