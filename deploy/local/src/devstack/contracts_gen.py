"""``make contracts``: regenerate the committed contract documents.

- ``contracts/schemas/<event type>.json``: the JSON Schema of every event payload, and of the
  envelope;
- ``contracts/asyncapi/<service>.json``: each worker's AsyncAPI document (FastStream);
- ``contracts/openapi/<service>.json``: each api's OpenAPI document (FastAPI).

The test suite regenerates them in memory and fails when the committed files differ.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope
from contracts.registry import PAYLOADS

ROOT = Path(__file__).resolve().parents[4]
CONTRACTS = ROOT / "contracts"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def event_schemas() -> dict[str, str]:
    out = {"schemas/envelope.json": _dump(Envelope.model_json_schema())}
    for payload in PAYLOADS:
        schema = payload.model_json_schema()
        schema["x-event-type"] = payload.event_type
        schema["x-topic"] = payload.topic
        out[f"schemas/{payload.event_type}.json"] = _dump(schema)
    return out


@contextlib.contextmanager
def _service_env(tmp: str) -> Iterator[None]:
    """Settings the apps need to be built (never started): throw-away keys and databases."""
    from servicekit.sealing import generate_keypair

    private, public = generate_keypair()
    saved = dict(os.environ)
    os.environ["NOTIFICATIONS_SEAL_PUBLIC_KEY"] = public
    os.environ["NOTIFICATIONS_SEAL_PRIVATE_KEY"] = private
    os.environ["IDENTITY_NIR_KEY"] = "A" * 43 + "="
    os.environ["ATTESTATIONS_DATA_DIR"] = f"{tmp}/attestations"
    os.environ["APPOINTMENTS_SECRET_KEY"] = "B" * 43 + "="
    services = (
        "identity",
        "notifications",
        "cotisations",
        "mandates",
        "attestations",
        "appointments",
    )
    for service in services:
        os.environ[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/{service}.db"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _apps() -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    from appointments.entrypoints import api as appointments_api
    from appointments.entrypoints import worker as appointments_worker
    from attestations.entrypoints import api as attestations_api
    from attestations.entrypoints import worker as attestations_worker
    from cotisations.entrypoints import api as cotisations_api
    from cotisations.entrypoints import worker as cotisations_worker
    from identity.entrypoints import api as identity_api
    from identity.entrypoints import worker as identity_worker
    from mandates.entrypoints import api as mandates_api
    from mandates.entrypoints import worker as mandates_worker
    from notifications.entrypoints import api as notifications_api
    from notifications.entrypoints import worker as notifications_worker

    return {
        "identity": (identity_api.build, identity_worker.build),
        "notifications": (notifications_api.build, notifications_worker.build),
        "cotisations": (cotisations_api.build, cotisations_worker.build),
        "mandates": (mandates_api.build, mandates_worker.build),
        "attestations": (attestations_api.build, attestations_worker.build),
        "appointments": (appointments_api.build, appointments_worker.build),
    }


def service_documents() -> dict[str, str]:
    from faststream.specification import AsyncAPI

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, _service_env(tmp):
        for name, (build_api, build_worker) in _apps().items():
            openapi = build_api().openapi()
            out[f"openapi/{name}.json"] = _dump(openapi)
            worker = build_worker()
            spec = AsyncAPI(worker.broker, title=f"{name} worker", version="1.0.0")
            out[f"asyncapi/{name}.json"] = _dump(spec.to_specification().to_jsonable())
    return out


def generate() -> dict[str, str]:
    return {**event_schemas(), **service_documents()}


def write(documents: dict[str, str]) -> None:
    for relative, text in documents.items():
        path = CONTRACTS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(documents)} documents under {CONTRACTS}")


if __name__ == "__main__":
    write(generate())
