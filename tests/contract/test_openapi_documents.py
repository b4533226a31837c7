"""What the committed OpenAPI documents promise a person who opens an api's ``/docs`` page.

The drift check (``test_contracts.py``) holds these documents to what the code generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from devstack.contracts_gen import CONTRACTS

DOCUMENTS = sorted((CONTRACTS / "openapi").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_api_has_a_committed_document() -> None:
    assert {p.stem for p in DOCUMENTS} >= {"identity", "notifications", "cotisations", "mandates"}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_every_api_declares_the_bearer_scheme_its_docs_page_authorizes_with(path: Path) -> None:
    document = _load(path)
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    secured = [op for _, _, op in _operations(document) if op.get("security")]
    assert secured, "no operation asks for the token"
    assert all(op["security"] == [{"bearer": []}] for op in secured)


def test_identity_routes_that_read_a_token_declare_it_and_public_ones_do_not() -> None:
    paths = _load(CONTRACTS / "openapi" / "identity.json")["paths"]
    assert paths["/v1/me"]["get"]["security"] == [{"bearer": []}]
    assert paths["/v1/affiliates/imports"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in paths["/v1/cabinets"]["post"]
    assert "security" not in paths["/v1/auth/token"]["post"]


def test_the_registry_import_documents_its_raw_csv_body() -> None:
    operation = _load(CONTRACTS / "openapi" / "identity.json")["paths"]["/v1/affiliates/imports"]
    body = operation["post"]["requestBody"]
    assert body["required"] is True
    assert "text/csv" in body["content"]
    for media in body["content"].values():  # a file: Swagger UI offers to pick one
        assert media["schema"] == {"type": "string", "format": "binary"}
    # the columns, where Swagger UI shows them (it hides a binary body's own description)
    for column in ("siren", "sirets", "nir", "birth_date", "category", "affiliated_on"):
        assert column in operation["post"]["description"]


def test_every_identity_operation_that_takes_a_body_documents_it() -> None:
    """A route reading its body itself shows none unless declared; the others come from
    their pydantic models. Only actions without a body may lack one."""
    document = _load(CONTRACTS / "openapi" / "identity.json")
    bodiless = {
        ("post", "/v1/me/desactivation"),
        ("post", "/v1/cabinets/{cabinet_id}/users/{account_id}/suspension"),
        ("post", "/v1/cabinets/{cabinet_id}/users/{account_id}/reactivation"),
        ("post", "/v1/cabinets/{cabinet_id}/users/{account_id}/invitation"),
        ("post", "/v1/operator/outbox/{row_id}/retry"),
        ("post", "/v1/operator/outbox/{row_id}/discard"),
    }
    missing = [
        (method, path)
        for method, path, operation in _operations(document)
        if method in {"post", "put", "patch"} and "requestBody" not in operation
    ]
    assert sorted(missing) == sorted(bodiless)
