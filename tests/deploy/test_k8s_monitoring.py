"""The alerts use metrics the processes really serve, and each has its section in the
operations guide."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"")
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "irate", "increase", "delta", "deriv",
    "by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right",
    "histogram_quantile", "absent", "time", "offset", "bool",
}  # fmt: skip
Doc = dict[str, Any]


def served_metrics() -> set[str]:
    """Every metric name the platform's code defines (prometheus_client), with the series a
    histogram or summary adds."""
    names: set[str] = set()
    for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
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


def test_every_alert_uses_metrics_the_processes_serve(rendered: dict[str, list[Doc]]) -> None:
    assert alerts(rendered["prod"])
    assert unknown_metrics(rendered["prod"], served_metrics()) == {}


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
