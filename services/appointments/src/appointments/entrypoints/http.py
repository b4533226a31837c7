"""appointments' HTTP API: the reference data and the free slots (public), the booking form
and the booking (public, rate-limited, with the verification code; pre-filled for a logged-in
assuré), managing an appointment by the link of its mails (no login), and the agents' work."""

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from servicekit.auth import Principal, TokenVerifier, audience_of, http_jwks_fetcher
from servicekit.fastapi_auth import DeclaredBearer, bearer_principal
from servicekit.health import database_check, jwks_check
from servicekit.http import create_http_app
from servicekit.logging import register_secret
from servicekit.problems import NotFound, ValidationProblem
from servicekit.ratelimit import limit_by_client

from appointments.bootstrap import AppointmentsApp
from appointments.domain import commands
from appointments.domain.agencies import Agency
from appointments.domain.calendar import local_zone
from appointments.domain.model import Appointment
from appointments.entrypoints import http_schemas as s
from appointments.entrypoints.problems import call
from appointments.service_layer.handlers import Booked, Managed, manage_url
from appointments.service_layer.search import FreeSlot

AUDIENCE = audience_of("appointments")

_LINK: dict[int | str, dict[str, Any]] = {
    404: {"description": "`link-not-found` : ce lien n'est pas valide"},
    410: {
        "description": "`link-used` : le lien a déjà servi, le rendez-vous a changé ou est passé"
    },
}
_AGENT: dict[int | str, dict[str, Any]] = {
    403: {"description": "`agent-only` : réservé aux agents"}
}


def agency_read(a: Agency) -> s.AgencyRead:
    return s.AgencyRead(
        agency_id=a.agency_id,
        region=a.region,
        name=a.name,
        address=a.address,
        departement=a.departement,
        accessibility=a.accessibility,
        channels=list(a.channels),
        opening_hours=[
            s.OpeningRead(weekday=p.weekday, opens=f"{p.opens:%H:%M}", closes=f"{p.closes:%H:%M}")
            for p in a.opening_hours
        ],
        closures=[
            s.ClosureRead(first_day=c.first_day, last_day=c.last_day, label=c.label)
            for c in a.closures
        ],
        slot_minutes=a.slot_minutes,
        default_capacity=a.default_capacity,
        version=a.version,
    )


def _common(app: AppointmentsApp, a: Appointment, agency: Agency) -> dict[str, Any]:
    zone = local_zone(agency.departement)
    reason = app.deps.catalogue.reason(a.reason_code)
    return {
        "appointment_id": a.appointment_id,
        "state": a.state,
        "agency_id": agency.agency_id,
        "agency_name": agency.name,
        "agency_address": agency.address,
        "channel": a.channel,
        "reason_code": a.reason_code,
        "object_label": reason.object_label if reason else "",
        "reason_label": reason.reason_label if reason else "",
        "starts_at": a.starts_at.astimezone(zone),
        "ends_at": a.ends_at.astimezone(zone),
        "display_name": a.person.display_name,
        "note": a.note,
        "cancelled_by": a.cancelled_by,
        "explanation": a.explanation,
    }


def _agent_read(app: AppointmentsApp, m: Managed) -> s.AgentAppointmentRead:
    a = m.appointment
    return s.AgentAppointmentRead(
        **_common(app, a, m.agency),
        mobile=a.person.mobile,
        email=a.person.email,
        address=a.person.address,
        requested_at=a.requested_at,
        history=m.history,
    )


def _booked(app: AppointmentsApp, b: Booked) -> s.BookedRead:
    return s.BookedRead(
        **_common(app, b.appointment, b.agency), manage_url=manage_url(b.manage_token, app.deps)
    )


def _encode_cursor(moment: datetime, key: str) -> str:
    """An opaque cursor: an instant (UTC) and the key that orders items of the same instant."""
    raw = f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(f: FreeSlot) -> str:
    return _encode_cursor(f.slot.starts_at, f.agency.agency_id)


def _after(cursor: str | None) -> tuple[datetime | None, str | None]:
    if cursor is None:
        return None, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, agency_id = raw.split("|", 1)
        return datetime.fromisoformat(moment).replace(tzinfo=UTC), agency_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationProblem(
            "Le curseur n'est pas valide : reprenez la recherche depuis la première page.",
            errors=[{"field": "cursor", "code": "invalid", "message": "curseur invalide"}],
        ) from exc


def _optional_principal(verifier: TokenVerifier) -> Any:
    required = bearer_principal(verifier)

    async def principal(request: Request, _declared: DeclaredBearer) -> Principal | None:
        if not request.headers.get("authorization"):
            return None
        return await required(request, _declared)

    return principal


def _public_router(app: AppointmentsApp, maybe: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["prise de rendez-vous"])
    Maybe = Annotated[Principal | None, Depends(maybe)]  # noqa: N806 - a type alias
    limiter = app.limiter(app.settings.booking_limit)

    @router.get("/regions", response_model=list[s.RegionRead], summary="Les régions")
    async def regions() -> list[s.RegionRead]:
        return [s.RegionRead(code=r.code, name=r.name) for r in app.deps.catalogue.regions]

    @router.get(
        "/regions/{code}/agencies",
        response_model=list[s.AgencyRead],
        summary="Les agences d'une région",
        responses={404: {"description": "`not-found` : région inconnue"}},
    )
    async def agencies(code: str) -> list[s.AgencyRead]:
        if app.deps.catalogue.region(code) is None:
            raise NotFound(f"Aucune région « {code} ».")
        found = await app.agencies()
        return [agency_read(a) for a in found if a.region == code]

    @router.get(
        "/agencies/{agency_id}",
        response_model=s.AgencyRead,
        summary="Une agence",
        responses={404: {"description": "`not-found`"}},
    )
    async def agency(agency_id: str) -> s.AgencyRead:
        found = next((a for a in await app.agencies() if a.agency_id == agency_id), None)
        if found is None:
            raise NotFound(f"Aucune agence « {agency_id} ».")
        return agency_read(found)

    @router.get(
        "/reasons", response_model=list[s.ReasonRead], summary="Les objets et motifs de visite"
    )
    async def reasons() -> list[s.ReasonRead]:
        return [
            s.ReasonRead(
                code=r.code,
                object_label=r.object_label,
                reason_label=r.reason_label,
                channels=list(r.channels),
            )
            for r in app.deps.catalogue.reasons
        ]

    @router.get(
        "/slots",
        response_model=s.SlotPage,
        summary="Les prochains créneaux libres d'une agence ou d'une région (paginés)",
        responses={404: {"description": "`not-found` : agence ou région inconnue"}},
    )
    async def slots(
        agency_id: str | None = None,
        region: str | None = None,
        from_: Annotated[date | None, Query(alias="from")] = None,
        to: date | None = None,
        channel: s.Channel | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        cursor: str | None = None,
    ) -> s.SlotPage:
        after, after_agency = _after(cursor)
        found: list[FreeSlot] = await call(
            app.queries,
            commands.SearchSlots(
                agency_id, region, from_, to, channel, limit + 1, after, after_agency
            ),
        )
        page = found[:limit]
        items = []
        for f in page:
            zone = local_zone(f.agency.departement)
            items.append(
                s.SlotRead(
                    agency_id=f.agency.agency_id,
                    agency_name=f.agency.name,
                    starts_at=f.slot.starts_at.astimezone(zone),
                    ends_at=f.slot.ends_at.astimezone(zone),
                    places_left=f.places_left,
                )
            )
        more = len(found) > limit
        return s.SlotPage(items=items, next_cursor=_cursor(page[-1]) if more and page else None)

    @router.get(
        "/booking-form",
        response_model=s.BookingForm,
        summary="Le formulaire : le défi du code de vérification, et pour un assuré connecté "
        "ses données personnelles",
    )
    async def form(caller: Maybe) -> s.BookingForm:
        made = await call(app.queries, commands.BookingForm(caller))
        return s.BookingForm(**made)

    @router.get("/captcha", summary="Un nouveau défi du code de vérification (ALTCHA)")
    async def captcha() -> dict[str, Any]:
        return app.deps.captcha.challenge()

    @router.post(
        "/appointments",
        status_code=201,
        response_model=s.BookedRead,
        summary="Prendre rendez-vous : la place est retenue aussitôt",
        dependencies=[Depends(limit_by_client(limiter, "booking"))],
        responses={
            404: {"description": "`not-found` : agence inconnue"},
            409: {"description": "`slot-full` (avec `next_free_slots`), `too-many-open-requests`"},
            422: {
                "description": "`validation-error` : NIR, mobile, créneau, code de vérification, "
                "conditions (le champ dans `errors`)"
            },
            429: {"description": "Trop de demandes : réessayez après `Retry-After`"},
        },
    )
    async def book(body: s.BookingCreate, caller: Maybe) -> s.BookedRead:
        command = commands.Book(
            agency_id=body.agency_id,
            starts_at=body.starts_at,
            reason_code=body.reason_code,
            channel=body.channel,
            nir=body.nir,
            first_names=body.first_names,
            last_name=body.last_name,
            address=body.address,
            mobile=body.mobile,
            email=str(body.email),
            terms_accepted=body.terms_accepted,
            captcha=body.captcha,
            principal=caller,
        )
        return _booked(app, await call(app.bus, command))

    @router.get(
        "/appointments/manage/{token}",
        response_model=s.ManageRead,
        summary="Le rendez-vous du lien reçu par courriel (sans connexion)",
        responses=_LINK,
    )
    async def manage(token: str) -> s.ManageRead:
        register_secret(token)
        m: Managed = await call(app.queries, commands.ReadByLink(token))
        live = m.appointment.is_open and app.clock.now() < m.appointment.starts_at
        return s.ManageRead(
            **_common(app, m.appointment, m.agency), can_cancel=live, can_reschedule=live
        )

    @router.post(
        "/appointments/manage/{token}/cancel",
        response_model=s.AppointmentRead,
        summary="Annuler le rendez-vous par le lien reçu (la place est libérée)",
        responses={**_LINK, 409: {"description": "`appointment-state`"}},
    )
    async def cancel(token: str) -> s.AppointmentRead:
        register_secret(token)
        m: Managed = await call(app.bus, commands.CancelByLink(token))
        return s.AppointmentRead(**_common(app, m.appointment, m.agency))

    @router.post(
        "/appointments/manage/{token}/reschedule",
        response_model=s.BookedRead,
        summary="Déplacer le rendez-vous : l'ancienne place est libérée en même temps que la "
        "nouvelle est prise",
        responses={
            **_LINK,
            409: {"description": "`slot-full` (avec `next_free_slots`), `appointment-state`"},
            422: {"description": "`validation-error` : créneau"},
        },
    )
    async def reschedule(token: str, body: s.RescheduleCreate) -> s.BookedRead:
        register_secret(token)
        command = commands.RescheduleByLink(token, body.starts_at, body.agency_id)
        return _booked(app, await call(app.bus, command))

    return router


def _agent_router(app: AppointmentsApp, who: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["agents"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get(
        "/agencies/{agency_id}/appointments",
        response_model=s.AgentAppointmentPage,
        summary="Les rendez-vous d'une agence : à confirmer (`state=requested`), ceux d'un jour "
        "(`day`), par ordre d'heure, paginés",
        responses={
            **_AGENT,
            404: {"description": "`not-found` : agence inconnue"},
            422: {"description": "un curseur invalide"},
        },
    )
    async def listing(
        agency_id: str,
        caller: Who,
        state: s.AppointmentState | None = None,
        day: date | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: str | None = None,
    ) -> s.AgentAppointmentPage:
        moment, last_id = _after(cursor)
        after = (moment, last_id) if moment is not None and last_id is not None else None
        agency, found = await call(
            app.queries,
            commands.AgencyAppointments(caller, agency_id, state, day, limit + 1, after),
        )
        page = found[:limit]
        more = len(found) > limit and bool(page)
        return s.AgentAppointmentPage(
            items=[_agent_read(app, Managed(a, agency, [])) for a in page],
            next_cursor=_encode_cursor(page[-1].starts_at, page[-1].appointment_id)
            if more
            else None,
        )

    @router.get(
        "/appointments/{appointment_id}",
        response_model=s.AgentAppointmentRead,
        summary="Un rendez-vous et son historique",
        responses={**_AGENT, 404: {"description": "`not-found`"}},
    )
    async def read(appointment_id: str, caller: Who) -> s.AgentAppointmentRead:
        return _agent_read(
            app, await call(app.queries, commands.ReadAppointment(caller, appointment_id))
        )

    @router.post(
        "/appointments/{appointment_id}/confirmation",
        response_model=s.AgentAppointmentRead,
        summary="Confirmer le rendez-vous, avec une note qui le prépare",
        responses={**_AGENT, 404: {"description": "`not-found`"}, 409: {"description": "état"}},
    )
    async def confirm(
        appointment_id: str, body: s.ConfirmationCreate, caller: Who
    ) -> s.AgentAppointmentRead:
        return _agent_read(
            app, await call(app.bus, commands.Confirm(caller, appointment_id, body.note))
        )

    @router.post(
        "/appointments/{appointment_id}/cancellation",
        response_model=s.AgentAppointmentRead,
        summary="Annuler le rendez-vous (agent), en disant pourquoi",
        responses={**_AGENT, 404: {"description": "`not-found`"}, 409: {"description": "état"}},
    )
    async def cancel(
        appointment_id: str, body: s.CancellationCreate, caller: Who
    ) -> s.AgentAppointmentRead:
        command = commands.CancelByAgent(caller, appointment_id, body.explanation)
        return _agent_read(app, await call(app.bus, command))

    @router.post(
        "/appointments/{appointment_id}/outcome",
        response_model=s.AgentAppointmentRead,
        summary="Honoré (`done`) ou non (`no_show`), une fois l'heure venue",
        responses={**_AGENT, 404: {"description": "`not-found`"}, 409: {"description": "état"}},
    )
    async def outcome(
        appointment_id: str, body: s.OutcomeCreate, caller: Who
    ) -> s.AgentAppointmentRead:
        command = commands.RecordOutcome(caller, appointment_id, body.outcome)
        return _agent_read(app, await call(app.bus, command))

    @router.put(
        "/agencies/{agency_id}/slots/{starts_at}/capacity",
        response_model=s.CapacityRead,
        summary="La capacité d'un créneau (agents de permanence)",
        responses={
            **_AGENT,
            404: {"description": "`not-found` : pas un créneau de l'agence"},
            409: {"description": "`capacity-below-taken` (avec `taken`)"},
        },
    )
    async def capacity(
        agency_id: str, starts_at: datetime, body: s.CapacitySet, caller: Who
    ) -> s.CapacityRead:
        agency, at, cap, taken = await call(
            app.bus, commands.SetCapacity(caller, agency_id, starts_at, body.capacity)
        )
        zone = local_zone(agency.departement)
        return s.CapacityRead(
            agency_id=agency_id, starts_at=at.astimezone(zone), capacity=cap, taken=taken
        )

    @router.post(
        "/agencies/{agency_id}/closures",
        response_model=s.ClosureResult,
        summary="Fermer l'agence des jours donnés : les rendez-vous de ces jours sont annulés "
        "et chaque personne se voit proposer les prochains créneaux libres",
        responses={**_AGENT, 404: {"description": "`not-found`"}},
    )
    async def closure(agency_id: str, body: s.ClosureCreate, caller: Who) -> s.ClosureResult:
        command = commands.AddClosure(caller, agency_id, body.first_day, body.last_day, body.label)
        agency, cancelled = await call(app.bus, command)
        return s.ClosureResult(
            agency=agency_read(agency), cancelled=[a.appointment_id for a in cancelled]
        )

    @router.put(
        "/agencies/{agency_id}",
        response_model=s.AgencyRead,
        summary="Modifier la fiche d'une agence (même format que le fichier de référence)",
        responses={**_AGENT, 404: {"description": "`not-found`"}, 422: {"description": "fiche"}},
    )
    async def edit(agency_id: str, body: dict[str, Any], caller: Who) -> s.AgencyRead:
        return agency_read(await call(app.bus, commands.EditAgency(caller, agency_id, body)))

    return router


def create_app(app: AppointmentsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(
        http_jwks_fetcher(app.settings.jwks_url),
        audience=AUDIENCE,
        ttl_s=app.settings.jwks_ttl_s,
        grace_s=app.settings.jwks_grace_s,
    )
    who = bearer_principal(verifier)
    return create_http_app(
        service="appointments",
        title="appointments — Mon compte",
        description="La prise de rendez-vous en agence, par téléphone ou en visioconférence : "
        "les agences et leurs créneaux libres, la réservation, la gestion par le lien reçu, "
        "le travail des agents.",
        routers=[
            _public_router(app, _optional_principal(verifier)),
            _agent_router(app, who),
            app.runtime.operator_router(who),
        ],
        checks=[database_check(app.engine), jwks_check(verifier)],
        verifier=verifier,
        lifespan=app.runtime.api_lifespan(on_start=[app.load_reference]),
        idempotency=app.runtime.idempotency(),
    )
