"""appointments' use cases: search, book, manage by link, the agents' work, the reference
data, the reminders. Each writes its state, its history and its events (outbox) in one
transaction; a refusal writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from contracts.appointments import v1 as events
from contracts.base import EventPayload
from contracts.common import Recipient
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.faults import fault_point

from appointments.domain import commands, errors
from appointments.domain.agencies import Agency, ReferenceError
from appointments.domain.calendar import local_zone
from appointments.domain.links import (
    LinkExpired,
    LinkInvalid,
    ManageClaims,
    sign_manage_token,
    verify_manage_token,
)
from appointments.domain.model import Appointment, Person
from appointments.domain.people import InvalidPhone, french_mobile, nir_is_valid, normalise_nir
from appointments.domain.slots import slot_at
from appointments.service_layer.catalogue import Catalogue
from appointments.service_layer.ports import Secrets, UnitOfWork, VerificationCode
from appointments.service_layer.search import FreeSlot, free_slots

OFFERED_AFTER_REFUSAL = 5
"""How many free slots a refusal (slot full, closure) offers instead."""


@dataclass(frozen=True)
class Rules:
    open_requests_max: int
    notice: timedelta
    search_days: int
    public_url: str
    manage_url: str = ""


@dataclass
class Dependencies:
    clock: Clock
    catalogue: Catalogue
    secrets: Secrets
    captcha: VerificationCode
    rules: Rules
    captcha_refused: type[Exception]


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    agency: Agency
    manage_token: str


@dataclass(frozen=True)
class Managed:
    appointment: Appointment
    agency: Agency
    history: list[dict[str, Any]]


# -- helpers ------------------------------------------------------------------------------------


def _agent(principal: Principal) -> None:
    if principal.actor != "agent":
        raise errors.AgentOnly("Réservé aux agents de la caisse.")


def _by(principal: Principal | None) -> str:
    return "person" if principal is None else f"{principal.actor}:{principal.subject}"


async def _agencies(uow: UnitOfWork, deps: Dependencies) -> list[Agency]:
    return deps.catalogue.agencies(await uow.agencies.all())


async def _agency(uow: UnitOfWork, deps: Dependencies, agency_id: str) -> Agency:
    row = await uow.agencies.get(agency_id)
    if row is None:
        raise errors.NotFound(f"Aucune agence « {agency_id} ».", field="agency_id")
    return deps.catalogue.agencies([row])[0]


def _earliest(deps: Dependencies) -> datetime:
    return deps.clock.now() + deps.rules.notice


def token_for(a: Appointment, deps: Dependencies) -> str:
    return sign_manage_token(
        deps.secrets.link_key, ManageClaims(a.appointment_id, a.revision, a.ends_at)
    )


def manage_url(token: str, deps: Dependencies) -> str:
    """The mails' link: the page ``APPOINTMENTS_MANAGE_URL`` names, else the api's own."""
    page = deps.rules.manage_url
    if page:
        return f"{page}{'&' if '?' in page else '?'}token={token}"
    return f"{deps.rules.public_url.rstrip('/')}/v1/appointments/manage/{token}"


def _event(
    cls: type[events.AppointmentEventV1],
    a: Appointment,
    agency: Agency,
    deps: Dependencies,
    *,
    link: bool = True,
    **extra: Any,
) -> EventPayload:
    reason = deps.catalogue.reason(a.reason_code)
    sealed = (
        deps.secrets.seal_for_notifications(manage_url(token_for(a, deps), deps)) if link else None
    )
    return cls(
        appointment_id=a.appointment_id,
        person=Recipient(email=a.person.email, display_name=a.person.display_name),
        agency_id=agency.agency_id,
        agency_name=agency.name,
        agency_address=agency.address,
        channel=a.channel,
        object_label=reason.object_label if reason else "",
        reason=reason.reason_label if reason else a.reason_code,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        sequence=a.revision,
        sealed_manage_link=sealed,
        **extra,
    )


def _offers(found: list[FreeSlot]) -> list[events.SlotOffer]:
    return [
        events.SlotOffer(
            agency_id=f.agency.agency_id, starts_at=f.slot.starts_at, ends_at=f.slot.ends_at
        )
        for f in found
    ]


async def _next_free(
    uow: UnitOfWork, deps: Dependencies, agency: Agency, after: datetime | None = None
) -> list[FreeSlot]:
    earliest = max(_earliest(deps), after or _earliest(deps))
    last_day = (deps.clock.now() + timedelta(days=deps.rules.search_days)).date()
    return await free_slots(
        uow.holds, [agency], earliest=earliest, last_day=last_day, limit=OFFERED_AFTER_REFUSAL
    )


async def _full(
    uow: UnitOfWork, deps: Dependencies, agency: Agency, starts: datetime
) -> errors.SlotFull:
    offered = await _next_free(uow, deps, agency)
    local = starts.astimezone(local_zone(agency.departement))
    return errors.SlotFull(
        f"Le créneau du {_day_fr(local)} à {_time_fr(local)} est complet à l'{agency.name} : "
        "choisissez un autre créneau.",
        field="starts_at",
        extra={"next_free_slots": [_offer_dict(f) for f in offered]},
    )


MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


def _day_fr(moment: datetime) -> str:
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS_FR[moment.month - 1]} {moment.year}"


def _time_fr(moment: datetime) -> str:
    return f"{moment.hour} h {moment.minute:02d}"


def _offer_dict(f: FreeSlot) -> dict[str, Any]:
    zone = local_zone(f.agency.departement)
    return {
        "agency_id": f.agency.agency_id,
        "starts_at": f.slot.starts_at.astimezone(zone).isoformat(),
        "ends_at": f.slot.ends_at.astimezone(zone).isoformat(),
    }


def _check_slot(
    agency: Agency, starts_at: datetime, deps: Dependencies
) -> tuple[datetime, datetime]:
    if starts_at.tzinfo is None:
        raise errors.InvalidRequest(
            "L'heure du créneau doit préciser son fuseau (par exemple 2026-03-10T09:30:00+01:00).",
            field="starts_at",
        )
    slot = slot_at(agency, starts_at)
    if slot is None:
        raise errors.InvalidRequest(
            f"Ce n'est pas un créneau de l'{agency.name} (horaires, jours fériés ou fermeture).",
            field="starts_at",
        )
    if slot.starts_at < _earliest(deps):
        raise errors.InvalidRequest(
            "Ce créneau est passé ou trop proche : un rendez-vous se prend au moins "
            f"{int(deps.rules.notice.total_seconds() // 3600)} heures à l'avance.",
            field="starts_at",
        )
    return slot.starts_at, slot.ends_at


# -- search ---------------------------------------------------------------------------------------


async def search_slots(
    cmd: commands.SearchSlots, uow: UnitOfWork, deps: Dependencies
) -> list[FreeSlot]:
    async with uow:
        agencies = await _agencies(uow, deps)
        if cmd.agency_id is not None:
            agencies = [a for a in agencies if a.agency_id == cmd.agency_id]
            if not agencies:
                raise errors.NotFound(f"Aucune agence « {cmd.agency_id} ».", field="agency_id")
        elif cmd.region is not None:
            if deps.catalogue.region(cmd.region) is None:
                raise errors.NotFound(f"Aucune région « {cmd.region} ».", field="region")
            agencies = [a for a in agencies if a.region == cmd.region]
        else:
            raise errors.InvalidRequest(
                "Indiquez une agence (agency_id) ou une région (region).", field="agency_id"
            )
        if cmd.channel is not None:
            agencies = [a for a in agencies if cmd.channel in a.channels]
        now = deps.clock.now()
        horizon = (now + timedelta(days=deps.rules.search_days)).date()
        earliest = _earliest(deps)
        if cmd.first_day is not None:
            start = datetime.combine(cmd.first_day, datetime.min.time(), tzinfo=local_zone("75"))
            earliest = max(earliest, start)
        last_day = min(horizon, cmd.last_day) if cmd.last_day is not None else horizon
        after = (cmd.after, cmd.after_agency or "") if cmd.after is not None else None
        return await free_slots(
            uow.holds, agencies, earliest=earliest, last_day=last_day, limit=cmd.limit, after=after
        )


# -- booking --------------------------------------------------------------------------------------


def _person(cmd: commands.Book) -> Person:
    fields = {
        "first_names": cmd.first_names.strip(),
        "last_name": cmd.last_name.strip(),
        "address": cmd.address.strip(),
    }
    labels = {"first_names": "Le prénom", "last_name": "Le nom", "address": "L'adresse"}
    for name, value in fields.items():
        if not value:
            raise errors.InvalidRequest(f"{labels[name]} est obligatoire.", field=name)
    try:
        mobile = french_mobile(cmd.mobile)
    except InvalidPhone as exc:
        raise errors.InvalidRequest(str(exc), field="mobile") from exc
    return Person(mobile=mobile, email=cmd.email.strip(), **fields)


async def book(cmd: commands.Book, uow: UnitOfWork, deps: Dependencies) -> Booked:
    if not cmd.terms_accepted:
        raise errors.InvalidRequest(
            "Acceptez les conditions d'utilisation pour prendre rendez-vous.",
            field="terms_accepted",
        )
    if not nir_is_valid(cmd.nir):
        raise errors.InvalidRequest(
            "Le numéro de sécurité sociale n'est pas valide (vérifiez les 13 chiffres et la clé).",
            field="nir",
        )
    nir = normalise_nir(cmd.nir)
    person = _person(cmd)
    try:
        replay_key = deps.captcha.verify(cmd.captcha)
    except deps.captcha_refused as exc:
        raise errors.InvalidRequest(str(exc), field="captcha") from exc
    now = deps.clock.now()
    async with uow:
        agency = await _agency(uow, deps, cmd.agency_id)
        reason = deps.catalogue.reason(cmd.reason_code)
        if reason is None:
            raise errors.InvalidRequest(f"Aucun motif « {cmd.reason_code} ».", field="reason_code")
        if cmd.channel not in agency.channels or cmd.channel not in reason.channels:
            raise errors.InvalidRequest(
                "Ce type de rendez-vous n'est pas proposé pour ce motif dans cette agence.",
                field="channel",
            )
        starts_at, ends_at = _check_slot(agency, cmd.starts_at, deps)
        if not await uow.captchas.use(replay_key, now):
            raise errors.InvalidRequest(
                "Ce code de vérification a déjà servi : demandez-en un nouveau.", field="captcha"
            )
        index = deps.secrets.nir_index(nir)
        if await uow.appointments.open_count(index, now) >= deps.rules.open_requests_max:
            raise errors.TooManyRequests(
                f"Vous avez déjà {deps.rules.open_requests_max} rendez-vous à venir : annulez-en "
                "un avant d'en prendre un autre.",
                field="nir",
            )
        if not await uow.holds.take(agency.agency_id, starts_at, agency.default_capacity):
            raise await _full(uow, deps, agency, starts_at)
        affiliate_id = cmd.principal.affiliate_id if cmd.principal is not None else None
        made = Appointment(
            appointment_id=str(uuid.uuid4()),
            agency_id=agency.agency_id,
            starts_at=starts_at,
            ends_at=ends_at,
            channel=cmd.channel,
            reason_code=reason.code,
            state="requested",
            revision=1,
            person=person,
            affiliate_id=affiliate_id,
            requested_at=now,
        )
        await uow.appointments.add(made, nir_index=index, nir_sealed=deps.secrets.seal_nir(nir))
        await uow.appointments.record(made, "requested", _by(cmd.principal), now)
        await uow.outbox.add(
            _event(events.AppointmentRequestedV1, made, agency, deps), subject=made.appointment_id
        )
        await uow.commit()
    return Booked(made, agency, token_for(made, deps))


# -- by the link of the mails --------------------------------------------------------------------


async def _by_link(
    uow: UnitOfWork, deps: Dependencies, token: str, *, for_update: bool = True
) -> Appointment:
    try:
        claims = verify_manage_token(deps.secrets.link_key, token, now=deps.clock.now())
    except LinkExpired as exc:
        raise errors.LinkUsed(
            "Ce lien a expiré : le rendez-vous est passé.", extra={"reason": "expired"}
        ) from exc
    except LinkInvalid as exc:
        raise errors.LinkRefused("Ce lien n'est pas valide.") from exc
    found = await uow.appointments.get(claims.appointment_id, for_update=for_update)
    if found is None:
        raise errors.LinkRefused("Ce lien n'est pas valide.")
    if found.revision != claims.revision:
        raise errors.LinkUsed(
            "Ce lien a déjà servi ou le rendez-vous a changé depuis : utilisez le lien du "
            "dernier message reçu.",
            extra={"reason": "used"},
        )
    return found


async def read_by_link(cmd: commands.ReadByLink, uow: UnitOfWork, deps: Dependencies) -> Managed:
    async with uow:
        found = await _by_link(uow, deps, cmd.token, for_update=False)
        agency = await _agency(uow, deps, found.agency_id)
        return Managed(found, agency, [])


async def _cancel(
    uow: UnitOfWork,
    deps: Dependencies,
    a: Appointment,
    agency: Agency,
    by: str,
    who: str,
    explanation: str | None,
    offers: list[FreeSlot] | None = None,
) -> Appointment:
    now = deps.clock.now()
    cancelled = a.cancel(by, explanation, now)  # type: ignore[arg-type]
    if not await uow.appointments.save(cancelled, expected_revision=a.revision):
        raise errors.StateConflict("Ce rendez-vous vient d'être modifié : rechargez-le.")
    await uow.holds.release(a.agency_id, a.starts_at)
    await uow.appointments.record(cancelled, "cancelled", who, now, explanation or "")
    await uow.outbox.add(
        _event(
            events.AppointmentCancelledV1,
            cancelled,
            agency,
            deps,
            link=False,
            cancelled_by=by,
            explanation=explanation or "",
            next_free_slots=_offers(offers or []),
        ),
        subject=a.appointment_id,
    )
    return cancelled


async def cancel_by_link(
    cmd: commands.CancelByLink, uow: UnitOfWork, deps: Dependencies
) -> Managed:
    async with uow:
        found = await _by_link(uow, deps, cmd.token)
        agency = await _agency(uow, deps, found.agency_id)
        cancelled = await _cancel(uow, deps, found, agency, "person", "person", None)
        await uow.commit()
    return Managed(cancelled, agency, [])


async def reschedule_by_link(
    cmd: commands.RescheduleByLink, uow: UnitOfWork, deps: Dependencies
) -> Booked:
    now = deps.clock.now()
    async with uow:
        found = await _by_link(uow, deps, cmd.token)
        old_agency = await _agency(uow, deps, found.agency_id)
        agency = old_agency
        if cmd.agency_id is not None and cmd.agency_id != found.agency_id:
            agency = await _agency(uow, deps, cmd.agency_id)
            if found.channel not in agency.channels:
                raise errors.InvalidRequest(
                    "Cette agence ne propose pas ce type de rendez-vous.", field="agency_id"
                )
        starts_at, ends_at = _check_slot(agency, cmd.starts_at, deps)
        if (agency.agency_id, starts_at) == (found.agency_id, found.starts_at):
            raise errors.InvalidRequest(
                "C'est déjà l'heure de ce rendez-vous : choisissez un autre créneau.",
                field="starts_at",
            )
        moved = found.move(agency.agency_id, starts_at, ends_at, now)
        if not await uow.holds.take(agency.agency_id, starts_at, agency.default_capacity):
            raise await _full(uow, deps, agency, starts_at)
        await uow.holds.release(found.agency_id, found.starts_at)
        if not await uow.appointments.save(moved, expected_revision=found.revision):
            raise errors.StateConflict("Ce rendez-vous vient d'être modifié : rechargez-le.")
        await uow.appointments.record(
            moved,
            "rescheduled",
            "person",
            now,
            f"ancien créneau : {found.starts_at:%Y-%m-%dT%H:%M}Z",
        )
        await uow.outbox.add(
            _event(
                events.AppointmentRescheduledV1,
                moved,
                agency,
                deps,
                previous_starts_at=found.starts_at,
                previous_ends_at=found.ends_at,
                confirmed=moved.state == "confirmed",
            ),
            subject=moved.appointment_id,
        )
        await uow.commit()
    return Booked(moved, agency, token_for(moved, deps))


# -- the form ------------------------------------------------------------------------------------


async def booking_form(
    cmd: commands.BookingForm, uow: UnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    prefill: dict[str, Any] = {}
    if cmd.principal is not None and cmd.principal.affiliate_id is not None:
        async with uow:
            known = await uow.people.get(cmd.principal.affiliate_id)
        if known is not None:
            prefill = {
                k: known[k] for k in ("first_names", "last_name", "address", "email", "mobile")
            }
        if cmd.principal.email and not prefill.get("email"):
            prefill["email"] = cmd.principal.email
    return {"prefill": prefill, "captcha": deps.captcha.challenge()}


# -- agents -------------------------------------------------------------------------------------


async def _appointment(
    uow: UnitOfWork, appointment_id: str, *, for_update: bool = True
) -> Appointment:
    found = await uow.appointments.get(appointment_id, for_update=for_update)
    if found is None:
        raise errors.NotFound("Aucun rendez-vous ne correspond.")
    return found


async def agency_appointments(
    cmd: commands.AgencyAppointments, uow: UnitOfWork, deps: Dependencies
) -> tuple[Agency, list[Appointment]]:
    _agent(cmd.principal)
    async with uow:
        agency = await _agency(uow, deps, cmd.agency_id)
        zone = local_zone(agency.departement)
        if cmd.day is not None:
            first = datetime.combine(cmd.day, datetime.min.time(), tzinfo=zone)
            last = first + timedelta(days=1) - timedelta(seconds=1)
        else:
            first = deps.clock.now() - timedelta(days=1)
            last = deps.clock.now() + timedelta(days=deps.rules.search_days + 1)
        states = [cmd.state] if cmd.state is not None else None
        found = await uow.appointments.of_agency(
            agency.agency_id, first, last, states, limit=cmd.limit, after=cmd.after
        )
    return agency, found


async def read_appointment(
    cmd: commands.ReadAppointment, uow: UnitOfWork, deps: Dependencies
) -> Managed:
    _agent(cmd.principal)
    async with uow:
        found = await _appointment(uow, cmd.appointment_id, for_update=False)
        agency = await _agency(uow, deps, found.agency_id)
        return Managed(found, agency, await uow.appointments.history(found.appointment_id))


async def confirm(cmd: commands.Confirm, uow: UnitOfWork, deps: Dependencies) -> Managed:
    _agent(cmd.principal)
    now = deps.clock.now()
    async with uow:
        found = await _appointment(uow, cmd.appointment_id)
        agency = await _agency(uow, deps, found.agency_id)
        done = found.confirm(cmd.note.strip(), now)
        if not await uow.appointments.save(done, expected_revision=found.revision):
            raise errors.StateConflict("Ce rendez-vous vient d'être modifié : rechargez-le.")
        await uow.appointments.record(done, "confirmed", _by(cmd.principal), now, done.note)
        await uow.outbox.add(
            _event(events.AppointmentConfirmedV1, done, agency, deps, note=done.note),
            subject=done.appointment_id,
        )
        await uow.commit()
    return Managed(done, agency, [])


async def cancel_by_agent(
    cmd: commands.CancelByAgent, uow: UnitOfWork, deps: Dependencies
) -> Managed:
    _agent(cmd.principal)
    if not cmd.explanation.strip():
        raise errors.InvalidRequest(
            "Dites à la personne pourquoi son rendez-vous est annulé.", field="explanation"
        )
    async with uow:
        found = await _appointment(uow, cmd.appointment_id)
        agency = await _agency(uow, deps, found.agency_id)
        cancelled = await _cancel(
            uow, deps, found, agency, "agent", _by(cmd.principal), cmd.explanation.strip()
        )
        await uow.commit()
    return Managed(cancelled, agency, [])


async def record_outcome(
    cmd: commands.RecordOutcome, uow: UnitOfWork, deps: Dependencies
) -> Managed:
    _agent(cmd.principal)
    now = deps.clock.now()
    async with uow:
        found = await _appointment(uow, cmd.appointment_id)
        agency = await _agency(uow, deps, found.agency_id)
        done = found.attended(cmd.outcome, now)
        if not await uow.appointments.save(done, expected_revision=found.revision):
            raise errors.StateConflict("Ce rendez-vous vient d'être modifié : rechargez-le.")
        await uow.appointments.record(done, cmd.outcome, _by(cmd.principal), now)
        await uow.outbox.add(
            _event(
                events.AppointmentAttendedV1, done, agency, deps, link=False, outcome=cmd.outcome
            ),
            subject=done.appointment_id,
        )
        await uow.commit()
    return Managed(done, agency, [])


async def set_capacity(
    cmd: commands.SetCapacity, uow: UnitOfWork, deps: Dependencies
) -> tuple[Agency, datetime, int, int]:
    _agent(cmd.principal)
    if cmd.capacity < 0:
        raise errors.InvalidRequest("La capacité ne peut pas être négative.", field="capacity")
    async with uow:
        agency = await _agency(uow, deps, cmd.agency_id)
        slot = slot_at(agency, cmd.starts_at) if cmd.starts_at.tzinfo is not None else None
        if slot is None:
            raise errors.NotFound(f"Ce n'est pas un créneau de l'{agency.name}.", field="starts_at")
        done, taken = await uow.holds.set_capacity(agency.agency_id, slot.starts_at, cmd.capacity)
        if not done:
            raise errors.CapacityBelowTaken(
                (
                    "1 place de ce créneau est déjà prise"
                    if taken == 1
                    else f"{taken} places de ce créneau sont déjà prises"
                )
                + f" : la capacité ne peut pas être inférieure à {taken}.",
                field="capacity",
                extra={"taken": taken},
            )
        await uow.commit()
    return agency, slot.starts_at, cmd.capacity, taken


# -- reference data ------------------------------------------------------------------------------


def _agency_event(agency: Agency, change: str) -> events.AgencyChangedV1:
    return events.AgencyChangedV1(
        agency_id=agency.agency_id,
        version=agency.version,
        change=change,
        region=agency.region,
        name=agency.name,
        address=agency.address,
        departement=agency.departement,
        accessibility=agency.accessibility,
        channels=list(agency.channels),
        opening_hours=[
            events.OpeningPeriod(weekday=p.weekday, opens=p.opens, closes=p.closes)
            for p in agency.opening_hours
        ],
        closures=[
            events.Closure(first_day=c.first_day, last_day=c.last_day, label=c.label)
            for c in agency.closures
        ],
        slot_minutes=agency.slot_minutes,
        default_capacity=agency.default_capacity,
    )


@dataclass(frozen=True)
class _Row:
    agency_id: str
    record: dict[str, Any]
    version: int
    file_version: int


def _checked(deps: Dependencies, record: dict[str, Any], version: int) -> Agency:
    try:
        return deps.catalogue.check({**record, "version": version})
    except ReferenceError as exc:
        raise errors.InvalidRequest(str(exc), field="record") from exc


async def load_reference(cmd: commands.LoadReference, uow: UnitOfWork, deps: Dependencies) -> int:
    """The packaged file's agencies: a new one is added; a known one is replaced when the
    file's record has a higher version than the one applied last (an agent's edit stands
    until then). Returns how many changed."""
    now = deps.clock.now()
    changed = 0
    async with uow:
        for raw in cmd.document["agencies"]:
            file_version = int(raw.get("version", 1))
            known = await uow.agencies.get(raw["agency_id"], for_update=True)
            if known is not None and known.file_version >= file_version:
                continue
            version = 1 if known is None else known.version + 1
            record = {k: v for k, v in raw.items() if k != "version"}
            agency = _checked(deps, record, version)
            await uow.agencies.put(
                _Row(agency.agency_id, record, version, file_version),
                at=now,
                by="reference-file",
                new=known is None,
            )
            change = (
                "chargée du fichier de référence"
                if known is None
                else (f"mise à jour du fichier de référence (version {file_version})")
            )
            await uow.outbox.add(_agency_event(agency, change), subject=agency.agency_id)
            changed += 1
        await uow.commit()
    return changed


async def edit_agency(cmd: commands.EditAgency, uow: UnitOfWork, deps: Dependencies) -> Agency:
    _agent(cmd.principal)
    now = deps.clock.now()
    async with uow:
        known = await uow.agencies.get(cmd.agency_id, for_update=True)
        if known is None:
            raise errors.NotFound(f"Aucune agence « {cmd.agency_id} ».", field="agency_id")
        record = {k: v for k, v in cmd.record.items() if k != "version"}
        record["agency_id"] = cmd.agency_id
        agency = _checked(deps, record, known.version + 1)
        await uow.agencies.put(
            _Row(cmd.agency_id, record, known.version + 1, known.file_version),
            at=now,
            by=_by(cmd.principal),
            new=False,
        )
        await uow.outbox.add(
            _agency_event(agency, f"modifiée par {_by(cmd.principal)}"), subject=agency.agency_id
        )
        await uow.commit()
    return agency


async def add_closure(
    cmd: commands.AddClosure, uow: UnitOfWork, deps: Dependencies
) -> tuple[Agency, list[Appointment]]:
    """The agency closed on those days: no slot is offered there, and every open
    appointment of those days is cancelled, each person offered the next free slots."""
    _agent(cmd.principal)
    if cmd.last_day < cmd.first_day:
        raise errors.InvalidRequest("La fermeture finit avant de commencer.", field="last_day")
    now = deps.clock.now()
    async with uow:
        known = await uow.agencies.get(cmd.agency_id, for_update=True)
        if known is None:
            raise errors.NotFound(f"Aucune agence « {cmd.agency_id} ».", field="agency_id")
        record = dict(known.record)
        record["closures"] = [
            *record.get("closures", []),
            {
                "first_day": cmd.first_day.isoformat(),
                "last_day": cmd.last_day.isoformat(),
                "label": cmd.label,
            },
        ]
        agency = _checked(deps, record, known.version + 1)
        await uow.agencies.put(
            _Row(cmd.agency_id, record, known.version + 1, known.file_version),
            at=now,
            by=_by(cmd.principal),
            new=False,
        )
        await uow.outbox.add(
            _agency_event(agency, f"fermeture du {cmd.first_day} au {cmd.last_day}"),
            subject=agency.agency_id,
        )
        zone = local_zone(agency.departement)
        first = datetime.combine(cmd.first_day, datetime.min.time(), tzinfo=zone)
        last = datetime.combine(cmd.last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        concerned = await uow.appointments.of_agency(
            agency.agency_id, first, last - timedelta(seconds=1), ("requested", "confirmed"), 10_000
        )
        cancelled = []
        explanation = cmd.label or "L'agence est fermée ce jour-là."
        for a in concerned:
            if a.starts_at <= now:
                continue
            offers = await _next_free(uow, deps, agency, after=last)
            cancelled.append(
                await _cancel(
                    uow, deps, a, agency, "closure", _by(cmd.principal), explanation, offers
                )
            )
        await uow.commit()
    return agency, cancelled


# -- reminders ------------------------------------------------------------------------------------


async def send_reminders(cmd: commands.SendReminders, uow: UnitOfWork, deps: Dependencies) -> int:
    """The day before a confirmed appointment (the agency's local day), its reminder: the
    claim (``reminded_at``) and the event are one transaction, so a worker killed before the
    commit sends it at its next run and one killed after never sends it again."""
    now = deps.clock.now()
    sent = 0
    async with uow:
        due = await uow.appointments.reminders_due(now, now + timedelta(days=2), 500)
        agencies = {a.agency_id: a for a in await _agencies(uow, deps)}
        for a in due:
            agency = agencies.get(a.agency_id)
            if agency is None:
                continue
            zone = local_zone(agency.departement)
            if a.starts_at.astimezone(zone).date() != now.astimezone(zone).date() + timedelta(
                days=1
            ):
                continue
            if not await uow.appointments.mark_reminded(a.appointment_id, now):
                continue
            reminded = replace(a, reminded_at=now)
            await uow.outbox.add(
                _event(events.AppointmentReminderDueV1, reminded, agency, deps),
                subject=a.appointment_id,
            )
            sent += 1
        if sent:
            # the window a drill aims at: claims written, the transaction not committed
            fault_point("reminders.before_commit", sent=sent)
        await uow.commit()
    return sent


HANDLERS: dict[type, Callable[..., Any]] = {
    commands.Book: book,
    commands.CancelByLink: cancel_by_link,
    commands.RescheduleByLink: reschedule_by_link,
    commands.Confirm: confirm,
    commands.CancelByAgent: cancel_by_agent,
    commands.RecordOutcome: record_outcome,
    commands.SetCapacity: set_capacity,
    commands.AddClosure: add_closure,
    commands.EditAgency: edit_agency,
    commands.LoadReference: load_reference,
    commands.SendReminders: send_reminders,
}
QUERIES: dict[type, Callable[..., Any]] = {
    commands.SearchSlots: search_slots,
    commands.ReadByLink: read_by_link,
    commands.BookingForm: booking_form,
    commands.AgencyAppointments: agency_appointments,
    commands.ReadAppointment: read_appointment,
}
