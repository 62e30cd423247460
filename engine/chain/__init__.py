"""The chain layer: RPC connections, pool discovery, the initial snapshot, per-block
log following and reorg handling, feeding engine.core.Engine (see README.md)."""

from engine.chain.connection import Backoff, Endpoint, RpcClient, Transport, endpoints
from engine.chain.discovery import PoolSpec
from engine.chain.errors import ChainConfigError, ChainError, ConnectionLost, RpcError
from engine.chain.follower import ChainFollower, FollowerOptions, FollowerStatus
from engine.chain.runner import run

__all__ = [
    "Backoff", "ChainConfigError", "ChainError", "ChainFollower", "ConnectionLost", "Endpoint",
    "FollowerOptions", "FollowerStatus", "PoolSpec", "RpcClient", "RpcError", "Transport",
    "endpoints", "run",
]
