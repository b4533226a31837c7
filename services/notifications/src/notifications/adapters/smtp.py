"""The e-mail channel over SMTP (aiosmtplib).

A refusal with a 5xx code is permanent (the address will not work); a connection failure, a
time-out or a 4xx code is transient and retried later.
"""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.policy import Policy
from email.utils import formatdate

import aiosmtplib

from notifications.domain.errors import DeliveryFailed
from notifications.service_layer.ports import OutgoingEmail


def _header(value: str) -> str:
    return " ".join(value.split())


class EncodedHeader(str):
    """A header value with non-ASCII characters, folded by RFC 2047's encoder, which keeps each
    space inside an encoded word: the default policy's folding of such a value may drop the
    space between two encoded words (« restent à » read back as « restentà »)."""

    name: str

    def __new__(cls, name: str, value: str) -> EncodedHeader:
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Policy) -> str:
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def _text_header(name: str, value: str) -> str:
    one_line = _header(value)
    return one_line if one_line.isascii() else EncodedHeader(name, one_line)


class SmtpEmailChannel:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        tls: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._tls = tls
        self._username = username
        self._password = password
        self._timeout_s = timeout_s

    def build(self, email: OutgoingEmail) -> EmailMessage:
        """The MIME message; every header value is made one line (defence in depth: a name
        with CR or LF in a subject can inject no header)."""
        msg = EmailMessage()
        msg["From"] = _header(self._sender)
        msg["To"] = _header(email.to)
        msg["Subject"] = _text_header("Subject", email.content.subject)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{email.message_id}@mon-compte.local>"
        msg.set_content(email.content.text)
        msg.add_alternative(email.content.html, subtype="html")
        for attachment in email.content.attachments:
            maintype, subtype = attachment.content_type.split("/", 1)
            msg.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return msg

    async def send(self, email: OutgoingEmail) -> None:
        """Returns as soon as the server has accepted the message; the connection is then
        dropped rather than closed with QUIT, so the caller records the sending without
        waiting for one more round trip (see notifications' README, "in doubt")."""
        try:
            message = self.build(email)
        except (ValueError, TypeError) as exc:  # the same message fails at every attempt
            raise DeliveryFailed(f"message refused: {exc}", permanent=True) from exc
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._tls == "tls",
            start_tls=self._tls == "starttls",
            timeout=self._timeout_s,
        )
        try:
            await client.connect()
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            permanent = all(code >= 500 for code in codes) if codes else False
            raise DeliveryFailed(f"recipient refused: {codes}", permanent=permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailed(
                f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            reason = f"SMTP unreachable: {type(exc).__name__}"
            raise DeliveryFailed(reason, permanent=False) from exc
        finally:
            client.close()
