"""The chain layer's errors: one base, three kinds."""

from __future__ import annotations

from typing import Any


class ChainError(Exception):
    """Base of the errors the chain layer raises on purpose."""


class ChainConfigError(ChainError):
    """The configured chain does not match what is on it (a pool address without
    a pool, tokens that differ, a wrong chain id). Fatal: the message names the
    chain and the config key."""


class ConnectionLost(ChainError):
    """The RPC endpoint cannot be reached or stopped answering; reconnect and resume."""


class RpcError(ChainError):
    """The node answered a request with a JSON-RPC error (a reverted call, a bad parameter)."""

    def __init__(self, method: str, error: Any) -> None:
        message = error.get("message", error) if isinstance(error, dict) else error
        super().__init__(f"{method}: {message}")
        self.method = method
        self.error = error
