"""Every rendered object validates: Kubernetes' own kinds against the schemas of the pinned
Kubernetes version that kubernetes-validate ships, the operators' kinds against the vendored
schemas of deploy/k8s/schemas/."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from kubernetes_validate import utils

KUBERNETES_VERSION = "1.32.0"
SCHEMAS = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "schemas"
OVERLAYS = ("dev", "prod")


def vendored() -> dict[tuple[str, str], dict[str, Any]]:
    """The vendored schemas by (apiVersion, kind)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        props = schema["properties"]
        out[(props["apiVersion"]["const"], props["kind"]["const"])] = schema
    return out


def problems(doc: dict[str, Any]) -> list[str]:
    """What is wrong with one object (empty: valid)."""
    key = (doc.get("apiVersion", ""), doc.get("kind", ""))
    schemas = vendored()
    if key in schemas:
        validator = jsonschema.Draft202012Validator(schemas[key])
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)
        ]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except utils.SchemaNotFoundError:
        return [f"no schema for {key}: neither Kubernetes {KUBERNETES_VERSION} nor vendored"]
    except utils.ValidationError as exc:
        return [f"{'/'.join(map(str, exc.absolute_path))}: {exc.message}"]
    return []


def test_without_kubectl_the_checks_fail_and_say_why(
    render_overlay: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="kubectl is not on PATH"):
        render_overlay("dev")


def test_the_pinned_version_is_shipped() -> None:
    versions = utils.all_versions()
    assert KUBERNETES_VERSION in versions


def test_every_vendored_schema_says_where_it_comes_from() -> None:
    for schema in vendored().values():
        source = schema["x-source"]
        assert source["license"] == "Apache-2.0"
        assert all(source[k] for k in ("repository", "path", "project"))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    failures = {
        f"{d['kind']}/{d['metadata']['name']}": p for d in rendered[overlay] if (p := problems(d))
    }
    assert failures == {}


def test_the_operators_kinds_are_validated_by_vendored_schemas(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    kinds = {(d["apiVersion"], d["kind"]) for docs in rendered.values() for d in docs}
    operators = {
        k
        for k in kinds
        if not k[0].startswith(("v1", "apps/", "autoscaling/", "policy/", "networking.k8s.io/"))
    }
    assert operators, "no operator kind rendered"
    assert operators <= set(vendored())


def test_a_kind_without_a_schema_is_refused() -> None:
    unknown = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "x"}}
    assert problems(unknown) == [
        f"no schema for ('example.org/v1', 'Gadget'): neither Kubernetes {KUBERNETES_VERSION} "
        "nor vendored"
    ]


def _first(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(d for d in docs if d["kind"] == kind))


def test_a_kubernetes_object_with_an_unknown_field_is_refused(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    deployment = _first(rendered["prod"], "Deployment")
    assert problems(deployment) == []
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    assert problems(deployment)


def test_a_kubernetes_object_with_a_wrong_type_is_refused(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    autoscaler = _first(rendered["prod"], "HorizontalPodAutoscaler")
    autoscaler["spec"]["minReplicas"] = "two"
    assert problems(autoscaler)


@pytest.mark.parametrize(
    ("kind", "breaks"),
    [
        ("KafkaTopic", lambda d: d["spec"].update(partitions=0)),
        ("KafkaTopic", lambda d: d["spec"].update(replica=3)),
        ("KafkaUser", lambda d: d["spec"]["authentication"].update(type="plain")),
        ("KafkaUser", lambda d: d["spec"]["authorization"]["acls"][0].update(operation="Read")),
        ("Kafka", lambda d: d["spec"]["kafka"]["listeners"][0].update(type="public")),
        ("KafkaNodePool", lambda d: d["spec"].update(roles=["zookeeper"])),
        ("Cluster", lambda d: d["spec"].update(instance=3)),
        ("ScheduledBackup", lambda d: d["spec"].update(method="tape")),
        ("ScaledObject", lambda d: d["spec"]["triggers"][0].pop("type")),
        ("TriggerAuthentication", lambda d: d["spec"]["secretTargetRef"][0].pop("key")),
        ("PodMonitor", lambda d: d["spec"].update(endpoints=[])),
        ("PrometheusRule", lambda d: d["spec"]["groups"][0]["rules"][0].pop("expr")),
    ],
)
def test_a_broken_operator_object_is_refused(
    rendered: dict[str, list[dict[str, Any]]], kind: str, breaks: Any
) -> None:
    doc = _first(rendered["prod"], kind)
    assert problems(doc) == []
    breaks(doc)
    assert problems(doc)
