"""The letter channels: the folder (development) and a provider's HTTP API, whose fake stands
at the true outside boundary."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from notifications.adapters.letters import FolderLetterChannel, HttpLetterProvider
from notifications.domain.errors import DeliveryFailed
from notifications.service_layer.ports import LetterContent, OutgoingLetter

LETTER = OutgoingLetter(
    message_id="msg-1",
    kind="activation_key_letter",
    reference="MND-1",
    content=LetterContent(b"%PDF-1.4 fake", "Objet", ("JEAN DUPONT", "69003 LYON")),
)


async def test_the_folder_keeps_the_pdf_and_a_manifest_whose_status_it_reads(
    tmp_path: Path,
) -> None:
    channel = FolderLetterChannel(tmp_path)
    reference = await channel.send(LETTER)
    assert (tmp_path / "msg-1.pdf").read_bytes() == b"%PDF-1.4 fake"
    manifest = json.loads((tmp_path / "msg-1.json").read_text())
    assert manifest["address"] == ["JEAN DUPONT", "69003 LYON"]
    assert await channel.status(reference) == "queued"
    manifest["status"] = "posted"
    (tmp_path / "msg-1.json").write_text(json.dumps(manifest))
    assert await channel.status(reference) == "posted"
    assert not list(tmp_path.glob(".*.tmp"))


class FakeProvider:
    """A print-and-post provider's API: accepts letters, reports their status."""

    def __init__(self, fail_with: int | None = None) -> None:
        self.letters: dict[str, dict[str, object]] = {}
        self.by_idempotency_key: dict[str, str] = {}
        self.fail_with = fail_with

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != "Bearer secret-token":
            return httpx.Response(401)
        if self.fail_with is not None:
            return httpx.Response(self.fail_with)
        if request.method == "POST" and request.url.path == "/letters":
            body = json.loads(request.content)
            assert base64.b64decode(body["pdf_base64"]).startswith(b"%PDF")
            key = request.headers.get("idempotency-key", "")
            if key in self.by_idempotency_key:
                letter_id = self.by_idempotency_key[key]
                return httpx.Response(200, json={"id": letter_id, "status": "queued"})
            letter_id = f"prov-{len(self.letters) + 1}"
            self.letters[letter_id] = {"status": "queued", **body}
            if key:
                self.by_idempotency_key[key] = letter_id
            return httpx.Response(201, json={"id": letter_id, "status": "queued"})
        letter_id = request.url.path.rsplit("/", 1)[-1]
        if letter_id not in self.letters:
            return httpx.Response(404)
        return httpx.Response(
            200, json={"id": letter_id, "status": self.letters[letter_id]["status"]}
        )


def _provider(fake: FakeProvider) -> HttpLetterProvider:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler),
        base_url="https://provider.example",
        headers={"Authorization": "Bearer secret-token"},
    )
    return HttpLetterProvider(client)


async def test_the_provider_receives_the_letter_and_reports_its_status() -> None:
    fake = FakeProvider()
    provider = _provider(fake)
    reference = await provider.send(LETTER)
    assert fake.letters[reference]["address"] == ["JEAN DUPONT", "69003 LYON"]
    assert fake.letters[reference]["client_reference"] == "msg-1"
    assert await provider.status(reference) == "queued"
    fake.letters[reference]["status"] = "returned"
    assert await provider.status(reference) == "returned"


async def test_a_letter_sent_again_carries_the_same_idempotency_key_and_is_posted_once() -> None:
    fake = FakeProvider()
    provider = _provider(fake)
    first = await provider.send(LETTER)
    again = await provider.send(LETTER)
    assert again == first
    assert list(fake.letters) == [first]


@pytest.mark.parametrize(("status", "permanent"), [(503, False), (500, False), (422, True)])
async def test_provider_errors_are_transient_or_permanent_by_status(
    status: int, permanent: bool
) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await _provider(FakeProvider(fail_with=status)).send(LETTER)
    assert failure.value.permanent is permanent


async def test_an_unreachable_provider_is_a_transient_failure() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="https://p.example")
    with pytest.raises(DeliveryFailed) as failure:
        await HttpLetterProvider(client).send(LETTER)
    assert failure.value.permanent is False


async def test_the_folder_withdraws_a_queued_letter_and_not_a_printed_one(tmp_path: Path) -> None:
    channel = FolderLetterChannel(tmp_path)
    reference = await channel.send(LETTER)
    assert await channel.withdraw(reference) is True
    assert not (tmp_path / "msg-1.pdf").exists()
    assert json.loads((tmp_path / "msg-1.json").read_text())["status"] == "withdrawn"
    assert await channel.withdraw(reference) is True
    printed = OutgoingLetter("msg-2", LETTER.kind, "MND-2", LETTER.content)
    await channel.send(printed)
    manifest = json.loads((tmp_path / "msg-2.json").read_text())
    (tmp_path / "msg-2.json").write_text(json.dumps({**manifest, "status": "printed"}))
    assert await channel.withdraw("msg-2") is False
    assert (tmp_path / "msg-2.pdf").exists()


async def test_the_provider_cancels_a_letter_not_printed_and_says_when_it_is_too_late() -> None:
    cancelled: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        letter_id = request.url.path.split("/")[2]
        assert request.method == "POST"
        assert request.url.path.endswith("/cancel")
        if letter_id == "prov-printed":
            return httpx.Response(409, json={"status": "printed"})
        cancelled.append(letter_id)
        return httpx.Response(200, json={"id": letter_id, "status": "cancelled"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://p.example")
    provider = HttpLetterProvider(client)
    assert await provider.withdraw("prov-1") is True
    assert await provider.withdraw("prov-printed") is False
    assert cancelled == ["prov-1"]
