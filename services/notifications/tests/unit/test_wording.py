"""The French of the messages: a firm's name never doubled with « cabinet », the subscriber
told « vous », an invited administrator not called a collaborator, each letter signed by its
service, and dates inside sentences in French form (« le 1er décembre 2026 »)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from contracts.common import Recipient
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from notifications.adapters.rendering import MessageKind, render_email, render_letter
from notifications.adapters.templates import TemplateRenderer
from notifications_events import NOW, PORTFOLIO, incoming
from notifications_fakes import FakeNotifications
from notifications_samples import SAMPLES
from pypdf import PdfReader

EMAILS = [k for k in MessageKind if "letter" not in k.value]
LETTERS = [k for k in MessageKind if "letter" in k.value]


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


@pytest.mark.parametrize("name", ["Cabinet Martin", "cabinet Martin & associés"])
@pytest.mark.parametrize("kind", [k for k in MessageKind if "cabinet_name" in SAMPLES[k][0]])
def test_a_firm_named_cabinet_is_never_called_cabinet_cabinet(kind: MessageKind, name: str) -> None:
    context = {**SAMPLES[kind][0], "cabinet_name": name}
    if kind in LETTERS:
        parts = [_text(render_letter(kind, context, date(2026, 12, 2)).pdf)]
    else:
        mail = render_email(kind, context)
        parts = [mail.subject, mail.text]
    for part in parts:
        assert "cabinet cabinet" not in part.lower(), part
    assert name.lower() in parts[-1].lower()  # the body names the firm as it is


def test_a_firm_not_named_cabinet_is_introduced_as_one() -> None:
    context = {**SAMPLES[MessageKind.CABINET_ACTIVATION][0], "cabinet_name": "Fiducial"}
    mail = render_email(MessageKind.CABINET_ACTIVATION, context)
    assert mail.subject == "Activez le compte de votre cabinet sur Mon compte"
    assert "Le compte expert-comptable du cabinet Fiducial a été créé" in mail.text


async def test_the_subscriber_added_is_told_vous_and_the_others_his_name() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    added = mandates_v1.PortfolioSubscriberAddedV1(
        **{
            **PORTFOLIO,
            "notify": [
                Recipient(email="paul@cabinet.fr", display_name="Paul Leroy"),
                Recipient(email="anne@cabinet.fr", display_name="Anne Roy"),
            ],
        },
        subscriber_account_id="a3",
        subscriber_name="Paul Leroy",
    )
    await app.plan(incoming(added))
    await app.dispatch()
    texts = {m.to: m.content.text for m in app.email.sent}
    assert "modifié : vous êtes désormais abonné." in texts["paul@cabinet.fr"]
    assert "Paul Leroy y est désormais abonné" not in texts["paul@cabinet.fr"]
    assert "modifié : Paul Leroy y est désormais abonné." in texts["anne@cabinet.fr"]


async def test_the_subscriber_is_known_by_address_when_the_directory_has_it() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await app.plan(
        incoming(
            identity_v1.AccountEmailChangedV1(
                account_id="a3",
                kind="cabinet_user",
                email="p.leroy@cabinet.fr",
                display_name="P. Leroy",
                changed_at=NOW,
            )
        )
    )
    removed = mandates_v1.PortfolioSubscriberRemovedV1(
        **{**PORTFOLIO, "notify": [Recipient(email="p.leroy@cabinet.fr", display_name="Paul")]},
        subscriber_account_id="a3",
        subscriber_name="Paul Leroy",
    )
    await app.plan(incoming(removed))
    await app.dispatch()
    [mail] = app.email.sent
    assert "modifié : vous n'y êtes plus abonné." in mail.content.text


async def test_an_invited_administrator_is_called_an_administrator() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    invited = identity_v1.CabinetUserChangedV1(
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        account_id="acc-sophie",
        user_name="Sophie Roux",
        change="user_invited",
        rights=["admin", "read"],
        notify=[Recipient(email="claire@cabinet.fr", display_name="Claire Martin")],
        changed_at=NOW,
        version=1,
    )
    invitation = identity_v1.AccountActivationRequestedV1(
        account_id="acc-sophie",
        kind="cabinet_user",
        purpose="collaborator_invitation",
        email="sophie@cabinet.fr",
        display_name="Sophie Roux",
        cabinet_name="Cabinet Martin",
        sealed_link="sealed:https://id/x?token=t",
        expires_at=NOW + timedelta(days=1),
    )
    await app.plan(incoming(invited))
    await app.plan(incoming(invitation))
    await app.dispatch()
    texts = {m.to: m.content.text for m in app.email.sent}
    assert "un administrateur a été invité (Sophie Roux)" in texts["claire@cabinet.fr"]
    assert "vous a créé un accès administrateur sur Mon compte" in texts["sophie@cabinet.fr"]
    assert "collaborateur" not in texts["sophie@cabinet.fr"]


def test_each_letter_is_signed_by_its_service() -> None:
    today = date(2026, 12, 2)
    echeancier = render_letter(
        MessageKind.ECHEANCIER_RECTIFICATIF_LETTER,
        SAMPLES[MessageKind.ECHEANCIER_RECTIFICATIF_LETTER][0],
        today,
    )
    key = render_letter(
        MessageKind.ACTIVATION_KEY_LETTER, SAMPLES[MessageKind.ACTIVATION_KEY_LETTER][0], today
    )
    assert "Service des cotisations" in _text(echeancier.pdf)
    assert "Service des mandats" not in _text(echeancier.pdf)
    assert "Service des mandats" in _text(key.pdf)


def test_dates_in_sentences_are_in_french_form_with_the_first_of_the_month() -> None:
    first = "2026-12-01T09:00:00+00:00"
    context = {**SAMPLES[MessageKind.MANDATE_ACTIVATED_CABINET][0], "activated_at": first}
    mail = render_email(MessageKind.MANDATE_ACTIVATED_CABINET, context)
    assert "actif depuis le 1er décembre 2026 à 10 h 00" in mail.text
    context = {**SAMPLES[MessageKind.APPOINTMENT_CONFIRMED][0], "starts_at": first}
    assert render_email(MessageKind.APPOINTMENT_CONFIRMED, context).subject == (
        "Votre rendez-vous du mardi 1er décembre 2026 est confirmé"
    )
    context = {
        **SAMPLES[MessageKind.ECHEANCIER_RECTIFICATIF_LETTER][0],
        "effective_from": "2026-05-01",
        "instalments": [{"due_date": "2026-05-01", "amount": "100"}],
    }
    text = _text(
        render_letter(MessageKind.ECHEANCIER_RECTIFICATIF_LETTER, context, date(2026, 12, 1)).pdf
    )
    assert "Paris, le 1er décembre 2026" in text
    assert "à partir de l'échéance du 1er mai 2026" in text
    assert "1er mai 2026 : 100,00 euros" in text
