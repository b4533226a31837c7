"""A message that cannot be rendered is parked at once with its reason, not retried as a
transient failure; a name never brings a CR or LF into a header."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from contracts.common import Recipient
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from notifications.adapters.smtp import SmtpEmailChannel
from notifications.adapters.templates import TemplateRenderer
from notifications.service_layer.ports import EmailContent, OutgoingEmail
from notifications_events import NOW, SAMPLE_PAYLOADS, affiliate, incoming
from notifications_fakes import FakeNotifications


def _app() -> FakeNotifications:
    return FakeNotifications(renderer=TemplateRenderer(), max_attempts=5)


async def test_an_email_whose_template_fails_is_parked_at_once_with_its_reason() -> None:
    app = _app()
    changed = identity_v1.CabinetUserChangedV1(
        cabinet_id="cab-1",
        cabinet_name="",  # a required variable left empty: the template refuses to render
        account_id="acc-1",
        user_name="Paul Leroy",
        change="user_invited",
        notify=[Recipient(email="claire@cabinet.fr", display_name="Claire")],
        changed_at=NOW,
    )
    await app.plan(incoming(changed))
    await app.dispatch()
    [delivery] = app.deliveries
    assert (delivery.state, delivery.attempts) == ("parked", 1)
    assert "rendering failed: MissingContext" in str(delivery.last_error)
    assert "cabinet_name" in str(delivery.last_error)
    assert app.email.sent == []


async def test_a_letter_that_cannot_be_rendered_is_parked_at_once_with_its_reason() -> None:
    app = _app()
    key_issued = next(p for p in SAMPLE_PAYLOADS if isinstance(p, mandates_v1.MandateKeyIssuedV1))
    await app.record_affiliate(incoming(affiliate()))
    await app.plan(incoming(key_issued.model_copy(update={"cabinet_name": ""})))
    await app.dispatch()
    [delivery] = app.deliveries
    assert (delivery.state, delivery.attempts) == ("parked", 1)
    assert "rendering failed" in str(delivery.last_error)
    assert app.letters.sent == []


async def test_a_name_with_cr_lf_brings_no_header_into_the_mail() -> None:
    app = _app()
    changed = identity_v1.CabinetUserChangedV1(
        cabinet_id="cab-1",
        cabinet_name="Martin\r\nBcc: victim@example.com",
        account_id="acc-1",
        user_name="Paul Leroy",
        change="user_invited",
        notify=[Recipient(email="claire@cabinet.fr", display_name="Claire")],
        changed_at=NOW,
    )
    await app.plan(incoming(changed))
    await app.dispatch()
    [mail] = app.email.sent
    assert "\r" not in mail.content.subject
    assert "\n" not in mail.content.subject
    message = SmtpEmailChannel(host="localhost", port=25, sender="no-reply@x.fr").build(mail)
    assert message["Bcc"] is None
    subject = str(message["Subject"]).replace("\u200b", "")  # the address neutralised
    assert subject == "Modification des utilisateurs du cabinet Martin Bcc: victim@example.com"


def test_the_smtp_channel_makes_every_header_one_line() -> None:
    email = OutgoingEmail(
        "mid", "claire@cabinet.fr", EmailContent("Objet\r\nX-Evil: 1", "t", "<p>t</p>")
    )
    message = SmtpEmailChannel(host="localhost", port=25, sender="no-reply@x.fr").build(email)
    assert message["Subject"] == "Objet X-Evil: 1"
    assert message["X-Evil"] is None


@pytest.mark.parametrize(
    "subject",
    [
        "Prélèvement rejeté : 114,75 € restent à régler",
        "Télépaiement enregistré : 1 561,75 € débités le 5 mai 2026",
        "Votre échéancier rectificatif 2026",
        "Objet\r\nX-Evil: é",
        "Estimation de revenu 2026 prise en compte",
    ],
)
def test_a_subject_reads_back_as_written_after_folding(subject: str) -> None:
    email = OutgoingEmail("mid", "claire@cabinet.fr", EmailContent(subject, "t", "<p>t</p>"))
    message = SmtpEmailChannel(host="localhost", port=25, sender="no-reply@x.fr").build(email)
    wire = message.as_bytes(policy=policy.SMTP)
    assert all(len(line) <= 78 for line in wire.split(b"\r\n"))
    parsed = message_from_bytes(wire, policy=policy.default)
    assert str(parsed["Subject"]) == " ".join(subject.split())
    assert parsed["X-Evil"] is None
