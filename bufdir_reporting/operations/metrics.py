"""The process's Prometheus metrics: request and GraphQL latency, aggregation jobs, live
subscriptions, pub/sub reconnects and the response cache, in one registry per app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

# Prometheus' text format has no use for the *_created series (the OpenMetrics creation time of
# each series): they were half the lines of /metrics. A process-wide switch; the process has
# this one registry per app.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "bufdir_http_request_seconds", "HTTP request latency", ["method", "route", "status"], registry=self.registry
        )
        self.jobs = Histogram("bufdir_aggregation_job_seconds", "Aggregation job duration", ["outcome"], registry=self.registry)
        self.subscriptions = Gauge("bufdir_active_subscriptions", "Live subscribers in this process", registry=self.registry)
        self.hub_stats: Callable[[], dict[str, int]] = dict
        self.cache_stats: Callable[[], dict[str, int]] = dict
        self.registry.register(_HubCounters(self))
        self.registry.register(_CacheCounters(self))
        # Labelled by operation type and first root field ("query organizations"): names the
        # schema defines, so clients' operation names cannot grow the series without bound.
        self.graphql = Histogram(
            "bufdir_graphql_operation_seconds", "GraphQL operation latency", ["operation"], registry=self.registry
        )


class _HubCounters(Collector):
    """Counters read from the event hub at scrape time (exposed as ``*_total``)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self.metrics.hub_stats()
        reconnects = CounterMetricFamily("bufdir_pubsub_reconnects", "Pub/sub reconnects since start")
        reconnects.add_metric([], stats.get("reconnects", 0))
        yield reconnects
        relayed = CounterMetricFamily("bufdir_events_relayed", "Logged events pub/sub lost, relayed from the event log")
        relayed.add_metric([], stats.get("relayed", 0))
        yield relayed


class _CacheCounters(Collector):
    """The response cache's hits, misses and size, read at scrape time."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self.metrics.cache_stats()
        for name, help_text in (("hits", "Reads answered from the response cache"), ("misses", "Cacheable reads computed")):
            counter = CounterMetricFamily(f"bufdir_response_cache_{name}", help_text)
            counter.add_metric([], stats.get(name, 0))
            yield counter
        for name, help_text in (("bytes", "Bytes the response cache holds"), ("entries", "Answers the response cache holds")):
            gauge = GaugeMetricFamily(f"bufdir_response_cache_{name}", help_text)
            gauge.add_metric([], stats.get(name, 0))
            yield gauge
