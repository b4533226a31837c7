"""The alerts use metrics the processes really serve, and each has its section in the
operations guide."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"")
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "irate", "increase", "delta", "deriv",
    "by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right",
    "histogram_quantile", "absent", "time", "offset", "bool",
}  # fmt: skip
KAFKA_EXPORTER = {"kafka_consumergroup_lag", "kafka_consumergroup_current_offset"}
"""Series of Strimzi's Kafka exporter the alerts use (served when the Kafka enables it)."""
Doc = dict[str, Any]


NOT_DEPLOYED = {ROOT / "libs" / "servicekit" / "src" / "servicekit" / "lagwatch.py"}
"""The local stack's lag watcher: its own process, which the manifests do not run (the Kafka
exporter serves the broker's view there, under other labels)."""


def served_metrics() -> set[str]:
    """Every metric name the deployed processes' code defines (prometheus_client), with the
    series a histogram or summary adds."""
    names: set[str] = set()
    for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
        if path in NOT_DEPLOYED:
            continue
        for kind, name in DEFINITION.findall(path.read_text()):
            names.add(name)
            if kind in ("Histogram", "Summary"):
                names.update(f"{name}{s}" for s in ("_bucket", "_sum", "_count"))
    return names


def metrics_in(expr: str) -> set[str]:
    text = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)  # grouping labels
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text))
    return words - PROMQL_WORDS


def alerts(docs: list[Doc]) -> list[Doc]:
    return [
        rule
        for doc in docs
        if doc["kind"] == "PrometheusRule"
        for group in doc["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def unknown_metrics(docs: list[Doc], served: set[str]) -> dict[str, set[str]]:
    out = {}
    for rule in alerts(docs):
        missing = metrics_in(rule["expr"]) - served
        if missing:
            out[rule["alert"]] = missing
    return out


def exported(docs: list[Doc]) -> set[str]:
    """What the Kafka exporter serves, when a Kafka enables it and a PodMonitor scrapes it."""
    kafkas = [d for d in docs if d["kind"] == "Kafka" and "kafkaExporter" in d["spec"]]
    scraped = {
        d["spec"]["selector"].get("matchLabels", {}).get("strimzi.io/name")
        for d in docs
        if d["kind"] == "PodMonitor"
    }
    return (
        KAFKA_EXPORTER
        if any(f"{k['metadata']['name']}-kafka-exporter" in scraped for k in kafkas)
        else set()
    )


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_alert_uses_metrics_the_processes_serve(
    rendered: dict[str, list[Doc]], overlay: str
) -> None:
    docs = rendered[overlay]
    assert alerts(docs)
    assert unknown_metrics(docs, served_metrics() | exported(docs)) == {}


def test_the_broker_side_lag_needs_the_exporter(rendered: dict[str, list[Doc]]) -> None:
    docs = [
        {**d, "spec": {k: v for k, v in d["spec"].items() if k != "kafkaExporter"}}
        if d["kind"] == "Kafka"
        else d
        for d in rendered["prod"]
    ]
    assert unknown_metrics(docs, served_metrics() | exported(docs)) == {
        "ConsumerGroupStalled": KAFKA_EXPORTER
    }


def test_an_alert_on_a_metric_nobody_serves_is_refused(rendered: dict[str, list[Doc]]) -> None:
    rule = {"alert": "Invented", "expr": 'sum by (service) (letters_returned_total{x="y"}) > 0'}
    docs = [{"kind": "PrometheusRule", "spec": {"groups": [{"rules": [rule]}]}}]
    assert unknown_metrics(docs, served_metrics()) == {"Invented": {"letters_returned_total"}}


def test_the_alerts_cover_lag_dead_letters_outbox_age_and_letters(
    rendered: dict[str, list[Doc]],
) -> None:
    used = set().union(*(metrics_in(r["expr"]) for r in alerts(rendered["prod"])))
    assert {
        "consumer_lag_messages",
        "dlq_messages_total",
        "outbox_oldest_age_seconds",
        "notifications_deliveries_total",
    } <= used


def test_every_alert_has_its_section_in_the_operations_guide(
    rendered: dict[str, list[Doc]],
) -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    headings = {h.strip().lower() for h in re.findall(r"^#+ (.+)$", guide, re.M)}
    for rule in alerts(rendered["prod"]):
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor == rule["alert"].lower()
        assert anchor in {h.split(" ", 1)[0].strip("`").lower() for h in headings}, rule["alert"]


def test_the_gateway_is_scraped_on_its_metrics_listener_and_prometheus_may_reach_it(
    rendered: dict[str, list[Doc]],
) -> None:
    import yaml
    from devstack.gateway import production_params

    docs = rendered["prod"]
    [monitor] = [
        d for d in docs if d["kind"] == "PodMonitor" and d["metadata"]["name"].endswith("gateway")
    ]
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["path"] == "/stats/prometheus"
    [deployment] = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("gateway")
    ]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    port = ports[endpoint["port"]]
    assert port == production_params().metrics_port
    # the configuration the ConfigMap carries listens there
    [config_map] = [
        d for d in docs if d["kind"] == "ConfigMap" and "envoy.yaml" in d.get("data", {})
    ]
    envoy = yaml.safe_load(config_map["data"]["envoy.yaml"])
    listeners = {
        item["name"]: item["address"]["socket_address"]["port_value"]
        for item in envoy["static_resources"]["listeners"]
    }
    assert listeners["metrics"] == port
    [policy] = [
        d
        for d in docs
        if d["kind"] == "NetworkPolicy" and d["metadata"]["name"].endswith("gateway")
    ]
    scrapers = [
        rule for rule in policy["spec"]["ingress"] if any(p["port"] == port for p in rule["ports"])
    ]
    assert scrapers, "Prometheus cannot reach the gateway's metrics port"
    assert all(
        peer.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": "prometheus"}
        for rule in scrapers
        for peer in rule["from"]
    )
