"""The gateway's configuration: one template rendered for the local and production profiles,
each accepted by Envoy itself (``envoy --mode validate``), the two alike in their structure and
apart only in their values; and ``make up``'s summary names the gateway first."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from devstack import gateway
from devstack.__main__ import main as devstack_main
from devstack.stack import StackInfo, summary

PROFILES = ("local", "production")
ROOT = Path(__file__).resolve().parents[3]


def _rendered(profile: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(gateway.render(gateway.params_for(profile)))  # type: ignore[arg-type]
    return loaded


def _manager(config: dict[str, Any]) -> dict[str, Any]:
    listener = config["static_resources"]["listeners"][0]
    typed: dict[str, Any] = listener["filter_chains"][0]["filters"][0]["typed_config"]
    return typed


@pytest.mark.parametrize("profile", PROFILES)
def test_envoy_accepts_the_rendered_configuration(profile: str, tmp_path: Path) -> None:
    config = tmp_path / f"{profile}.yaml"
    config.write_text(gateway.render(gateway.params_for(profile)))  # type: ignore[arg-type]
    done = gateway.validate(config)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "OK" in done.stdout + done.stderr


def test_the_profiles_differ_by_their_values_only() -> None:
    local, production = _rendered("local"), _rendered("production")
    for config in (local, production):
        assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
    hcm = {name: _manager(config) for name, config in (("l", local), ("p", production))}
    filters = {k: [f["name"] for f in v["http_filters"]] for k, v in hcm.items()}
    assert filters["l"] == filters["p"]
    routes = {
        k: [r["name"] for r in v["route_config"]["virtual_hosts"][0]["routes"]]
        for k, v in hcm.items()
    }
    assert routes["l"] == routes["p"]
    clusters = {
        name: [c["name"] for c in config["static_resources"]["clusters"]]
        for name, config in (("l", local), ("p", production))
    }
    assert clusters["l"] == clusters["p"]

    def address(config: dict[str, Any], cluster: str) -> str:
        found = next(c for c in config["static_resources"]["clusters"] if c["name"] == cluster)
        endpoint = found["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
        socket = endpoint["address"]["socket_address"]
        return f"{socket['address']}:{socket['port_value']}"

    assert address(local, "api_identity") == "127.0.0.1:8101"
    assert address(production, "api_identity") == "identity-api:8000"
    assert address(local, "api_appointments") == "127.0.0.1:8151"
    assert address(production, "identity_jwks") == "identity-api:8000"
    assert address(local, "portal") == "127.0.0.1:8161"


def test_the_edge_checks_identitys_tokens_for_the_gateways_audience() -> None:
    from servicekit.auth import ISSUER, audience_of

    for profile in PROFILES:
        jwt = next(
            f
            for f in _manager(_rendered(profile))["http_filters"]
            if f["name"] == "envoy.filters.http.jwt_authn"
        )["typed_config"]
        provider = jwt["providers"]["identity"]
        assert provider["issuer"] == ISSUER
        assert provider["audiences"] == [audience_of("gateway")] == ["mon-compte:gateway"]
        assert provider["remote_jwks"]["http_uri"]["uri"].endswith("/.well-known/jwks.json")
        assert provider["remote_jwks"]["cache_duration"] == "300s"
        assert provider["forward"] is True  # the services verify the token again


def test_hsts_only_in_production() -> None:
    def headers(profile: str) -> list[str]:
        mutation = next(
            f
            for f in _manager(_rendered(profile))["http_filters"]
            if f["name"] == "envoy.filters.http.header_mutation"
        )
        return [
            m["append"]["header"]["key"]
            for m in mutation["typed_config"]["mutations"]["response_mutations"]
        ]

    assert "strict-transport-security" in headers("production")
    assert "strict-transport-security" not in headers("local")


def test_the_command_renders_a_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert devstack_main(["gateway", "render", "--profile", "production"]) == 0
    out = capsys.readouterr().out
    assert "identity-api" in out
    assert "profile production" in out


def test_the_summary_of_make_up_names_the_gateway_first() -> None:
    processes = [
        SimpleNamespace(name="postgres", url="postgresql://postgres@127.0.0.1:5433/postgres"),
        SimpleNamespace(name="smtp-catcher", url="smtp://127.0.0.1:1025"),
        SimpleNamespace(name="identity-api", url="http://127.0.0.1:8101"),
        SimpleNamespace(name="identity-api-2", url="http://127.0.0.1:40001"),
        SimpleNamespace(name="identity-worker-2", url="http://127.0.0.1:40002"),
        SimpleNamespace(name="gateway", url="http://127.0.0.1:8080/"),
    ]
    text = summary(StackInfo(Path("/x/var"), "127.0.0.1:9092", processes), 3)  # type: ignore[arg-type]
    first = text.splitlines()[0]
    assert "http://127.0.0.1:8080/" in first
    assert "http://127.0.0.1:8101/docs" in text  # the direct ports still follow
    assert "http://127.0.0.1:40001/docs  (OpenAPI)" in text  # a second copy of an api
    assert "http://127.0.0.1:40002/docs/asyncapi  (AsyncAPI)" in text
    (database,) = [line for line in text.splitlines() if "5433" in line]
    assert database.split() == ["PostgreSQL", "postgresql://postgres@127.0.0.1:5433/postgres",
                                "(a", "database", "per", "service)"]  # fmt: skip


def _operations(service: str) -> list[tuple[str, str, bool]]:
    """(method, path, needs a token) of every operation of a service's published OpenAPI."""
    import json

    document = json.loads((ROOT / "contracts" / "openapi" / f"{service}.json").read_text())
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                found.append((method.upper(), path, bool(operation.get("security"))))
    return found


def _matches(rule: dict[str, Any], method: str, path: str) -> bool:
    import re

    return bool(re.fullmatch(rule["regex"], path)) and rule["method"] in (None, method)


@pytest.mark.parametrize("service", gateway.API_SERVICES)
def test_the_public_routes_are_exactly_those_the_services_serve_without_a_token(
    service: str,
) -> None:
    """Read against each service's published OpenAPI: an operation without security is
    reachable at the edge with no token, and one with security is not, unless the gateway
    lists it as taking a token when given."""
    import re

    rules = gateway.context(gateway.params_for("local"))["public_rules"]
    wrong = []
    for method, path, needs_token in _operations(service):
        concrete = "/api/" + service + re.sub(r"\{[^}]+\}", "x1", path)
        matched = [r for r in rules if _matches(r, method, concrete)]
        if not needs_token and not matched:
            wrong.append(f"{method} {path}: public in the service, refused at the edge")
        if needs_token and any(not r["optional"] for r in matched):
            wrong.append(f"{method} {path}: needs a token, let through at the edge")
    assert not wrong, wrong


def test_login_key_entry_and_verification_have_stricter_buckets_than_the_rest() -> None:
    routes = {
        r["name"]: r
        for r in _manager(_rendered("production"))["route_config"]["virtual_hosts"][0]["routes"]
    }

    def bucket(name: str) -> int:
        config = routes[name]["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
        return int(config["token_bucket"]["max_tokens"])

    for strict in ("login", "key-entry", "verification"):
        assert bucket(strict) < bucket("identity-api"), strict
    limits = [
        routes[f"import-{s}"]["typed_per_filter_config"]["envoy.filters.http.buffer"]
        for s in ("mandates", "identity", "attestations")
    ]
    assert {limit["buffer"]["max_request_bytes"] for limit in limits} == {
        gateway.IMPORT_BODY_LIMIT_BYTES
    }


@pytest.mark.parametrize("profile", PROFILES)
def test_the_portals_upload_page_takes_an_import_sized_body_and_no_other_page_does(
    profile: str,
) -> None:
    routes = _manager(_rendered(profile))["route_config"]["virtual_hosts"][0]["routes"]
    names = [r["name"] for r in routes]
    upload = routes[names.index("portal-upload")]
    assert names.index("portal-upload") < names.index("portal")  # matched before the rest
    assert upload["match"]["safe_regex"]["regex"] == "^/clients/importer$"
    assert upload["route"]["cluster"] == "portal"
    buffer = upload["typed_per_filter_config"]["envoy.filters.http.buffer"]["buffer"]
    assert buffer["max_request_bytes"] == gateway.IMPORT_BODY_LIMIT_BYTES
    portal = routes[names.index("portal")]
    assert "envoy.filters.http.buffer" not in portal.get("typed_per_filter_config", {})


def test_the_copies_of_an_api_share_its_cluster_and_envoy_accepts_them(tmp_path: Path) -> None:
    params = gateway.local_params(api_copies={"identity": [9101, 9102]})
    config: dict[str, Any] = yaml.safe_load(gateway.render(params))
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}

    def ports(name: str) -> list[int]:
        (group,) = clusters[name]["load_assignment"]["endpoints"]
        return [
            e["endpoint"]["address"]["socket_address"]["port_value"] for e in group["lb_endpoints"]
        ]

    assert ports("api_identity") == [8101, 9101, 9102]
    assert ports("api_mandates") == [8131]  # one copy: one endpoint, as before
    path = tmp_path / "copies.yaml"
    path.write_text(gateway.render(params))
    done = gateway.validate(path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
