"""Prometheus metrics of one gateway app (its own registry, so several apps can
live in one process, as in the tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("arbx_gateway_http_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("arbx_gateway_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.auth_failures = Counter("arbx_gateway_auth_failures_total",
                                     "Refused credentials and logins", ["reason"], registry=r)
        self.rate_limited = Counter("arbx_gateway_rate_limited_total", "Requests refused (429)",
                                    ["scope"], registry=r)
        self.engine_errors = Counter("arbx_gateway_engine_errors_total",
                                     "Engine calls that failed", ["kind"], registry=r)
        self.engine_reads = Counter("arbx_gateway_engine_shared_reads_total",
                                    "Shared engine reads (status, tokens, pools) by who "
                                    "answered: engine or cache", ["source"], registry=r)
        self.ws_connections = Gauge("arbx_gateway_ws_connections", "Open WebSocket connections",
                                    registry=r)
        self.ws_messages = Counter("arbx_gateway_ws_messages_total", "WebSocket messages queued",
                                   ["topic"], registry=r)
        self.ws_queue_depth = Histogram("arbx_gateway_ws_queue_depth",
                                        "Client queue depth when a message is queued",
                                        buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024),
                                        registry=r)
        self.ws_conflations = Counter("arbx_gateway_ws_conflations_total",
                                      "Client backlogs discarded for a snapshot", ["topic"],
                                      registry=r)
        self.ws_drops = Counter("arbx_gateway_ws_disconnects_total",
                                "Clients closed by the gateway", ["reason"], registry=r)
        self.upstream_streams = Gauge("arbx_gateway_upstream_streams",
                                      "Open gRPC streams to the engine", registry=r)
        self.upstream_events = Counter("arbx_gateway_upstream_events_total",
                                       "Messages received on the engine streams", ["topic"],
                                       registry=r)
