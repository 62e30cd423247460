"""Prometheus metrics of the engine, defined once (prometheus-client's default
registry, which also carries the process collector: memory, CPU, open fds)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
)

BLOCKS_PROCESSED = Counter(
    "arbx_blocks_processed_total", "Blocks applied to the market", ["chain_id"]
)
BLOCKS_FAILED = Counter(
    "arbx_blocks_failed_total", "Blocks rejected (nothing of them applied)", ["chain_id"]
)
REORGS = Counter("arbx_reorgs_total", "Rollbacks of reorganized blocks", ["chain_id"])
HEAD_BLOCK = Gauge("arbx_head_block", "Latest block applied to the market", ["chain_id"])
SYNC_LAG = Gauge("arbx_sync_lag_blocks", "Chain head minus the applied head", ["chain_id"])
POOLS = Gauge("arbx_pools", "Pools in the market")
OPPORTUNITIES = Gauge("arbx_opportunities", "Opportunities currently reported", ["chain_id"])
OPPORTUNITIES_SEEN = Counter(
    "arbx_opportunities_seen_total", "New or re-sized opportunities reported", ["chain_id"]
)
PIPELINE_LATENCY = Histogram(
    "arbx_pipeline_latency_seconds",
    "Block logs observed by the chain layer -> events published to subscribers",
    ["chain_id"],
    buckets=_LATENCY_BUCKETS,
)
APPLY_LATENCY = Histogram(
    "arbx_apply_block_seconds", "Engine.apply_block: market update and search", buckets=_LATENCY_BUCKETS
)
SUBSCRIBERS = Gauge("arbx_stream_subscribers", "Open stream subscriptions", ["stream"])
EVENTS_DROPPED = Counter(
    "arbx_stream_events_dropped_total", "Events discarded for slow subscribers", ["stream"]
)
RPC_LATENCY = Histogram(
    "arbx_grpc_server_handling_seconds",
    "gRPC server handling time (streams: until the stream ends)",
    ["method", "code"],
    buckets=_LATENCY_BUCKETS,
)
RPC_ERRORS = Counter("arbx_grpc_server_errors_total", "Unexpected RPC errors (INTERNAL)", ["method"])
CHAIN_RPC_LATENCY = Histogram(
    "arbx_chain_rpc_seconds", "Chain node JSON-RPC latency (chain layer)", ["chain_id", "method"],
    buckets=_LATENCY_BUCKETS,
)
CHAIN_RPC_ERRORS = Counter(
    "arbx_chain_rpc_errors_total", "Chain node JSON-RPC errors (chain layer)", ["chain_id", "method"]
)
STORE_QUEUE = Gauge("arbx_store_queue_rows", "Rows waiting for the SQLite writer")
STORE_WRITES = Counter("arbx_store_rows_written_total", "Rows written to arbitrage.db", ["table"])
ORACLE_READS = Counter(
    "arbx_oracle_reads_total", "Price-feed answers read (engine/chain/oracle.py)", ["chain_id"]
)
ORACLE_ERRORS = Counter(
    "arbx_oracle_errors_total",
    "Price-feed answers rejected (non_positive, stale, incomplete, call_failed); the last good one is kept",
    ["chain_id", "reason"],
)
ORACLE_PRICE = Gauge(
    "arbx_oracle_price_usd", "Last accepted reference price, USD per token", ["chain_id", "token"]
)
OFF_ORACLE_POOLS = Gauge(
    "arbx_off_oracle_pools",
    "Pools whose mid price strays beyond max_oracle_deviation from the oracles (at the last feed read)",
    ["chain_id"],
)


def serve_metrics(host: str, port: int) -> int:
    """Start the /metrics HTTP endpoint in a daemon thread; returns the bound port."""
    server, _thread = start_http_server(port, addr=host)
    return int(server.server_address[1])
