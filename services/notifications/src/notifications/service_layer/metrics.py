"""Delivery metrics: sent, failed, parked per kind and channel; latency from the event."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "notifications_deliveries_total", "Delivery attempts by outcome", ["kind", "channel", "outcome"]
)
DELIVERY_LATENCY = Histogram(
    "notifications_delivery_latency_seconds",
    "Time from the causing event to the message being sent",
    ["kind", "channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
