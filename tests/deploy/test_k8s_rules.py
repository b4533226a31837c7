"""Rules over the rendered manifests; each is also run on an object broken on purpose, so
that it is seen to refuse."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

OVERLAYS = ("dev", "prod")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|(^|_)KEY$|_KEY_|CREDENTIAL", re.I)
NOT_SECRET = ("PUBLIC_KEY", "_URL")
"""Names that look secret but hold a public key or an address (a password reset page's)."""
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:(?!\$\()[^@\s]+@")
GATEWAY = {"app.kubernetes.io/name": "gateway"}
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}

Doc = dict[str, Any]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


# -- pods --------------------------------------------------------------------------------------
def deployment_problems(deployment: Doc) -> list[str]:
    pod = deployment["spec"]["template"]["spec"]
    pod_security = pod.get("securityContext", {})
    component = deployment["spec"]["template"]["metadata"]["labels"].get(
        "app.kubernetes.io/component"
    )
    out: list[str] = []
    for c in pod["containers"]:
        name = f"{deployment['metadata']['name']}/{c['name']}"
        for probe in ("livenessProbe", "readinessProbe"):
            if probe not in c:
                out.append(f"{name}: no {probe}")
        if component in ("api", "worker"):
            paths = {
                p: c.get(p, {}).get("httpGet", {}).get("path")
                for p in ("livenessProbe", "readinessProbe")
            }
            if paths != {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}:
                out.append(f"{name}: probes on {paths}")
        resources = c.get("resources", {})
        for bound in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(bound, {})):
                out.append(f"{name}: no cpu and memory {bound}")
        security = c.get("securityContext", {})

        def setting(key: str, security: Doc = security) -> Any:
            return security.get(key, pod_security.get(key))

        if setting("runAsNonRoot") is not True:
            out.append(f"{name}: may run as root")
        if setting("runAsUser") == 0:
            out.append(f"{name}: runs as uid 0")
        if security.get("readOnlyRootFilesystem") is not True:
            out.append(f"{name}: writable root filesystem")
        if security.get("allowPrivilegeEscalation") is not False:
            out.append(f"{name}: privilege escalation allowed")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            out.append(f"{name}: capabilities not all dropped")
        if (setting("seccompProfile") or {}).get("type") != "RuntimeDefault":
            out.append(f"{name}: no RuntimeDefault seccomp profile")
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_probes_limits_and_a_locked_down_context(
    rendered: dict[str, list[Doc]], overlay: str
) -> None:
    deployments = of_kind(rendered[overlay], "Deployment")
    assert deployments
    assert [p for d in deployments for p in deployment_problems(d)] == []


@pytest.mark.parametrize(
    ("breaks", "problem"),
    [
        (lambda c, pod: c.pop("readinessProbe"), "no readinessProbe"),
        (lambda c, pod: c["livenessProbe"]["httpGet"].update(path="/"), "probes on"),
        (lambda c, pod: c["resources"].pop("limits"), "no cpu and memory limits"),
        (lambda c, pod: c["securityContext"].update(runAsNonRoot=False), "may run as root"),
        (
            lambda c, pod: (c["securityContext"].pop("runAsNonRoot"), pod.pop("securityContext")),
            "may run as root",
        ),
        (lambda c, pod: c["securityContext"].update(runAsUser=0), "runs as uid 0"),
        (lambda c, pod: c["securityContext"].pop("readOnlyRootFilesystem"), "writable root"),
        (lambda c, pod: c["securityContext"].update(allowPrivilegeEscalation=True), "escalation"),
        (lambda c, pod: c["securityContext"]["capabilities"].update(drop=[]), "not all dropped"),
        (lambda c, pod: c["securityContext"].pop("seccompProfile"), None),
    ],
)
def test_the_deployment_rule_refuses_a_broken_one(
    rendered: dict[str, list[Doc]], breaks: Any, problem: str | None
) -> None:
    deployment = copy.deepcopy(
        next(
            d
            for d in of_kind(rendered["prod"], "Deployment")
            if d["metadata"]["name"] == "identity-api"
        )
    )
    assert deployment_problems(deployment) == []
    pod = deployment["spec"]["template"]["spec"]
    breaks(pod["containers"][0], pod)
    found = deployment_problems(deployment)
    if problem is None:  # the pod's profile still applies: the container's alone is not needed
        assert found == []
        pod["securityContext"].pop("seccompProfile")
        problem = "no RuntimeDefault seccomp profile"
        found = deployment_problems(deployment)
    assert any(problem in p for p in found), found


# -- network policies -----------------------------------------------------------------------
def selects(policy: Doc, labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        present = expr["key"] in labels
        if expr["operator"] == "Exists" and not present:
            return False
        if expr["operator"] == "In" and labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def ingress_peers(docs: list[Doc], labels: dict[str, str]) -> Iterator[Doc | None]:
    """Every peer allowed in to a pod with ``labels``; ``None`` for a rule open to anyone."""
    for policy in of_kind(docs, "NetworkPolicy"):
        if "Ingress" not in policy["spec"].get("policyTypes", []) or not selects(policy, labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            if not rule.get("from"):
                yield None
            yield from rule.get("from", [])


def api_reach_problems(docs: list[Doc]) -> list[str]:
    """The apis are reached by the gateway alone (and scraped from the monitoring namespace),
    behind a default deny."""
    out: list[str] = []
    denies = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"].get("policyTypes", [])) >= {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not denies:
        out.append("no default-deny NetworkPolicy")
    apis = [
        d
        for d in of_kind(docs, "Deployment")
        if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "api"
    ]
    if not apis:
        out.append("no api Deployment")
    for api in apis:
        name = api["metadata"]["name"]
        peers = list(ingress_peers(docs, api["spec"]["template"]["metadata"]["labels"]))
        if not any(
            p is not None and p.get("podSelector", {}).get("matchLabels") == GATEWAY for p in peers
        ):
            out.append(f"{name}: the gateway cannot reach it")
        for peer in peers:
            gateway = (
                peer is not None
                and set(peer) == {"podSelector"}
                and (peer["podSelector"].get("matchLabels") == GATEWAY)
            )
            scraper = (
                peer is not None
                and peer.get("namespaceSelector", {}).get("matchLabels") == MONITORING
            )
            if not (gateway or scraper):
                out.append(f"{name}: reachable from {peer or 'anyone'}")
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_api_is_reached_by_the_gateway_alone(
    rendered: dict[str, list[Doc]], overlay: str
) -> None:
    assert api_reach_problems(rendered[overlay]) == []


def _policy(docs: list[Doc], name: str) -> Doc:
    return next(p for p in of_kind(docs, "NetworkPolicy") if p["metadata"]["name"] == name)


def test_the_reach_rule_refuses_an_api_open_to_another_service(
    rendered: dict[str, list[Doc]],
) -> None:
    docs = copy.deepcopy(rendered["prod"])
    _policy(docs, "identity-api-ingress")["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mandates"}}}
    )
    assert api_reach_problems(docs) == [
        "identity-api: reachable from {'podSelector': {'matchLabels': "
        "{'app.kubernetes.io/name': 'mandates'}}}"
    ]


def test_the_reach_rule_refuses_an_api_open_to_anyone(rendered: dict[str, list[Doc]]) -> None:
    docs = copy.deepcopy(rendered["prod"])
    _policy(docs, "mandates-api-ingress")["spec"]["ingress"].append({"ports": [{"port": 8080}]})
    assert api_reach_problems(docs) == ["mandates-api: reachable from anyone"]


def test_the_reach_rule_refuses_a_namespace_without_default_deny(
    rendered: dict[str, list[Doc]],
) -> None:
    docs = [d for d in rendered["prod"] if d["metadata"]["name"] != "default-deny"]
    assert api_reach_problems(docs) == ["no default-deny NetworkPolicy"]


# -- secrets ------------------------------------------------------------------------------------
def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{path}/{i}")
    elif isinstance(value, str):
        yield path, value


def envs(doc: Doc) -> Iterator[Doc]:
    template = doc.get("spec", {}).get("template", {}).get("spec", {})
    for c in template.get("containers", []) + template.get("initContainers", []):
        yield from c.get("env", [])


def secret_problems(docs: list[Doc]) -> list[str]:
    out: list[str] = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "Secret":
            out.append(f"{name}: a Secret in the manifests")
        for env in envs(doc):
            secretish = SECRET_NAME.search(env["name"]) and not env["name"].endswith(NOT_SECRET)
            if secretish and "value" in env:
                out.append(f"{name}: {env['name']} has a literal value")
        if doc["kind"] == "ConfigMap":
            out.extend(
                f"{name}: {key} in a ConfigMap"
                for key in doc.get("data", {})
                if SECRET_NAME.search(key) and not key.endswith(NOT_SECRET)
            )
        for path, text in strings(doc):
            if CREDENTIALS_IN_URL.search(text):
                out.append(f"{name}: credentials in a URL at {path}")
            if "-----BEGIN" in text and "PRIVATE KEY" in text:
                out.append(f"{name}: a private key at {path}")
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_literal_secret_value_in_the_manifests(
    rendered: dict[str, list[Doc]], overlay: str
) -> None:
    assert secret_problems(rendered[overlay]) == []


def _worker(docs: list[Doc]) -> Doc:
    return next(
        d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "identity-worker"
    )


@pytest.mark.parametrize(
    ("breaks", "problem"),
    [
        (
            lambda docs: _worker(docs)["spec"]["template"]["spec"]["containers"][0]["env"].append(
                {"name": "KAFKA_SASL_PASSWORD", "value": "hunter2"}
            ),
            "Deployment/identity-worker: KAFKA_SASL_PASSWORD has a literal value",
        ),
        (
            lambda docs: _worker(docs)["spec"]["template"]["spec"]["containers"][0]["env"].append(
                {
                    "name": "IDENTITY_DATABASE_URL",
                    "value": "postgresql+asyncpg://identity:s3cret@db/x",
                }
            ),
            "Deployment/identity-worker: credentials in a URL at /spec/template/spec/containers",
        ),
        (
            lambda docs: docs.append(
                {"kind": "Secret", "metadata": {"name": "keys"}, "stringData": {"k": "v"}}
            ),
            "Secret/keys: a Secret in the manifests",
        ),
        (
            lambda docs: next(d for d in docs if d["metadata"]["name"] == "platform-settings")[
                "data"
            ].update(IDENTITY_NIR_KEY="AAAA"),
            "ConfigMap/platform-settings: IDENTITY_NIR_KEY in a ConfigMap",
        ),
    ],
)
def test_the_secret_rule_refuses_a_literal_secret(
    rendered: dict[str, list[Doc]], breaks: Any, problem: str
) -> None:
    docs = copy.deepcopy(rendered["prod"])
    breaks(docs)
    found = secret_problems(docs)
    assert len(found) == 1
    assert found[0].startswith(problem)


# -- migrations and the image's user -------------------------------------------------------------
def migration_problems(docs: list[Doc]) -> list[str]:
    """The api migrates at start and serves only once ready (a rolling update that keeps the
    old copies until then); the worker waits for the schema."""
    out: list[str] = []
    for d in of_kind(docs, "Deployment"):
        labels = d["spec"]["template"]["metadata"]["labels"]
        role = labels.get("app.kubernetes.io/component")
        if role not in ("api", "worker"):
            continue
        prefix = labels["app.kubernetes.io/name"].upper()
        (container,) = d["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        wanted = "true" if role == "api" else "false"
        if env.get(f"{prefix}_MIGRATE_ON_START") != wanted:
            out.append(f"{d['metadata']['name']}: {prefix}_MIGRATE_ON_START is not {wanted}")
        if d["spec"]["strategy"].get("rollingUpdate", {}).get("maxUnavailable") != 0:
            out.append(f"{d['metadata']['name']}: an old copy may stop before a new one is ready")
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_migrates_before_the_new_version_serves(
    rendered: dict[str, list[Doc]], overlay: str
) -> None:
    assert migration_problems(rendered[overlay]) == []


def test_the_migration_rule_refuses_a_worker_that_migrates(rendered: dict[str, list[Doc]]) -> None:
    docs = copy.deepcopy(rendered["prod"])
    for env in _worker(docs)["spec"]["template"]["spec"]["containers"][0]["env"]:
        if env["name"] == "IDENTITY_MIGRATE_ON_START":
            env["value"] = "true"
    assert migration_problems(docs) == ["identity-worker: IDENTITY_MIGRATE_ON_START is not false"]


def test_the_pods_run_as_the_image_user(rendered: dict[str, list[Doc]]) -> None:
    dockerfile = (
        Path(__file__).resolve().parents[2] / "deploy" / "image" / "Dockerfile"
    ).read_text()
    (user,) = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    ours = [
        d["spec"]["template"]["spec"]["securityContext"]
        for d in of_kind(rendered["prod"], "Deployment")
        if d["spec"]["template"]["spec"]["containers"][0]["image"].startswith(
            "registry.example.org/mon-compte/platform"
        )
    ]
    # an api and a worker for each service (each has its database), and the portal
    assert len(ours) == 2 * len(of_kind(rendered["prod"], "Cluster")) + 1
    assert {(str(p["runAsUser"]), str(p["runAsGroup"])) for p in ours} == {user}


def test_the_portal_is_reached_from_the_gateway_and_reaches_the_gateway_only(
    rendered: dict[str, list[Doc]],
) -> None:
    (policy,) = [
        d for d in of_kind(rendered["prod"], "NetworkPolicy") if d["metadata"]["name"] == "portal"
    ]
    peers = {
        direction: [
            peer["podSelector"]["matchLabels"]
            for rule in policy["spec"][direction]
            for peer in rule.get("from", rule.get("to", []))
        ]
        for direction in ("ingress", "egress")
    }
    assert peers == {
        "ingress": [{"app.kubernetes.io/name": "gateway"}],
        "egress": [{"app.kubernetes.io/name": "gateway"}],
    }
    (gateway,) = [
        d for d in of_kind(rendered["prod"], "NetworkPolicy") if d["metadata"]["name"] == "gateway"
    ]
    reached = [
        peer["podSelector"]["matchLabels"]
        for rule in gateway["spec"]["egress"]
        for peer in rule["to"]
    ]
    assert {"app.kubernetes.io/name": "portal"} in reached
