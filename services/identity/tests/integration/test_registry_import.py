"""An agent's CSV bulk load of the registry: a report per row, the feed's validation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from identity_registry_samples import NIR
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
HEADER = (
    "siren,sirets,nir,birth_name,usage_name,first_names,birth_date,category,address_line,"
    "postal_code,city,departement,email,mobile,affiliated_on,radiated_on"
)
OTHER_NIR = "2900175123456" + stdnum_nir.calc_check_digits("2900175123456")


def row(siren: str = "732829320", nir: str = NIR, birth_date: str = "1985-05-01", **kw: str) -> str:
    values = {
        "sirets": "73282932000074" if siren == "732829320" else "",
        "usage_name": "",
        "first_names": "Jean",
        "birth_name": "Dupont",
        "category": "artisan",
        "address_line": "12 rue des Lilas",
        "postal_code": "69003",
        "city": "Lyon",
        "departement": "69",
        "email": "",
        "mobile": "",
        "affiliated_on": "2020-01-01",
        "radiated_on": "",
        **kw,
    }
    return ",".join(
        [
            siren,
            values["sirets"],
            nir,
            values["birth_name"],
            values["usage_name"],
            values["first_names"],
            birth_date,
            values["category"],
            values["address_line"],
            values["postal_code"],
            values["city"],
            values["departement"],
            values["email"],
            values["mobile"],
            values["affiliated_on"],
            values["radiated_on"],
        ]
    )


@pytest.fixture
async def agent(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    _, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    app = bootstrap(settings, hasher=PlainHasher())
    api = create_app(app)
    async with LifespanManager(api):
        await app.auth_bus.handle(commands.CreateAgent("agent@urssaf.example", "Agent", PASSWORD))
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            login = await client.post(
                "/v1/auth/token", json={"username": "agent@urssaf.example", "password": PASSWORD}
            )
            yield client, {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _load(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes
) -> httpx.Response:
    return await client.post(
        "/v1/affiliates/imports", content=content, headers={**headers, "content-type": "text/csv"}
    )


async def test_each_row_is_accepted_or_refused_with_its_reason(
    agent: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = agent
    lines = [
        HEADER,
        row(),
        row(siren="732829321"),
        row(siren="443061841", nir="185057800608400"),
        row(siren="443061841", nir=OTHER_NIR, birth_date="pas une date"),
        row(),
        row(siren="443061841", nir=OTHER_NIR, category="astronaute"),
        row(siren="552100554", nir=OTHER_NIR, radiated_on="2026-03-31"),
    ]
    resp = await _load(client, headers, "\n".join(lines).encode())
    assert resp.status_code == 200, resp.text
    report = {r["row"]: r for r in resp.json()}
    assert (report[2]["status"], report[2]["change"]) == ("accepted", "registered")
    assert "SIREN" in report[3]["reason"]
    assert "NIR" in report[4]["reason"]
    assert "birth_date" in report[5]["reason"]
    assert "ligne 2" in report[6]["reason"]
    assert "category" in report[7]["reason"]
    assert (report[8]["status"], report[8]["change"]) == ("accepted", "radiated")
    again = await _load(client, headers, "\n".join([HEADER, row()]).encode())
    assert again.json()[0]["change"] == "unchanged"


async def test_semicolons_windows_1252_and_a_bom_are_read(
    agent: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = agent
    text = "\n".join([HEADER, row(first_names="Hélène")]).replace(",", ";")
    for content in (text.encode("cp1252"), b"\xef\xbb\xbf" + text.encode()):
        resp = await _load(client, headers, content)
        assert resp.json()[0]["status"] == "accepted", resp.text


@pytest.mark.parametrize(
    ("content", "detail"),
    [(b"", "vide"), (b"siren,nir\n732829320,x\n", "Colonnes manquantes")],
)
async def test_an_unreadable_file_is_refused_whole(
    agent: tuple[httpx.AsyncClient, dict[str, str]], content: bytes, detail: str
) -> None:
    client, headers = agent
    resp = await _load(client, headers, content)
    assert resp.status_code == 422
    assert detail in resp.json()["detail"]


async def test_only_agents_load_the_registry(
    agent: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, _ = agent
    assert (await _load(client, {}, HEADER.encode())).status_code == 401


async def test_a_broken_line_is_a_refused_row_never_a_500(
    agent: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = agent
    lines = [
        HEADER,
        row(first_names="Jean\rPierre"),  # a CR alone inside the line
        row(siren="443061841", nir=OTHER_NIR, birth_name="D" * 201),  # longer than the column
        row(siren="552100554", nir=OTHER_NIR, city="x" * 200_000),  # past the CSV reader's limit
        row(siren="356000000", nir=OTHER_NIR, birth_name='"Dupont'),  # a quote never closed
        row(siren="443061841", nir=OTHER_NIR, departement="6900"),  # too long for the column
        row(siren="443061841", nir=OTHER_NIR) + ",en trop",
        row(siren="443061841", nir=OTHER_NIR, birth_date="14/03/1979"),
    ]
    resp = await _load(client, headers, "\n".join(lines).encode())
    assert resp.status_code == 200, resp.text
    report = {r["row"]: r for r in resp.json()}
    assert sorted(report) == [2, 3, 4, 5, 6, 7, 8]
    assert [report[n]["status"] for n in range(2, 8)] == ["refused"] * 6
    assert "retour chariot" in report[2]["reason"]
    assert "birth_name" in report[3]["reason"]
    assert "200 caractères" in report[3]["reason"]
    assert "200 caractères" in report[4]["reason"]
    assert "guillemets" in report[5]["reason"]
    assert "departement" in report[6]["reason"]
    assert "colonnes" in report[7]["reason"]
    assert report[8]["status"] == "accepted", report[8]


@pytest.mark.parametrize(
    ("birth_date", "accepted"),
    [("14/03/1979", True), ("1979-03-14", True), ("4/3/1979", True), ("31/02/1979", False),
     ("1979/03/14", False), ("14-03-1979", False)],
)  # fmt: skip
async def test_dates_are_read_in_the_french_form_and_in_iso(
    agent: tuple[httpx.AsyncClient, dict[str, str]], birth_date: str, accepted: bool
) -> None:
    client, headers = agent
    resp = await _load(client, headers, "\n".join([HEADER, row(birth_date=birth_date)]).encode())
    [report] = resp.json()
    assert (report["status"] == "accepted") is accepted, report
    if not accepted:
        assert report["reason"].startswith("Colonne birth_date : ")
        assert "14/03/1979" in report["reason"] or "calendrier" in report["reason"]


async def test_row_reasons_are_in_french_and_name_the_column(
    agent: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = agent
    lines = [
        HEADER,
        row(category="astronaute"),
        row(postal_code="6900"),
        row(birth_name=""),
        row(affiliated_on="demain"),
        row(nir="179035746312371"),
        row(siren="732829321"),
        row(sirets="55210055400013"),
        row(nir=""),
    ]
    reasons = [
        r["reason"] for r in (await _load(client, headers, "\n".join(lines).encode())).json()
    ]
    assert reasons[0].startswith("Colonne category : valeur non reconnue")
    assert reasons[1] == "Colonne postal_code : 5 chiffres attendus."
    assert reasons[2] == "Colonne birth_name : valeur obligatoire manquante."
    assert reasons[3].startswith("Colonne affiliated_on : Date illisible")
    assert reasons[4] == (
        "Colonne nir : Le numéro de sécurité sociale (NIR) n'est pas valide (15 caractères, clé)."
    )
    assert reasons[5].startswith("Colonne siren : ")
    assert reasons[6] == "Colonne sirets : un SIRET n'appartient pas au SIREN de l'enregistrement."
    assert reasons[7] == "Colonne nir : valeur obligatoire manquante."
    assert not any("Input" in r or "should" in r for r in reasons)
