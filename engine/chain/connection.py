"""One chain's RPC connection: WebSocket when a ws url is configured, HTTP
otherwise (or when the WebSocket cannot be reached), JSON-RPC batches, new-head
wake-ups, and exponential backoff between reconnects.

Requests go to the web3 provider raw (``make_request`` / ``make_batch_request``):
the layer decodes fixed word layouts itself (abi.py), so web3's formatters and
middleware would only add cost. Every transport failure surfaces as
:class:`ConnectionLost`; the follower reconnects and resumes from its last
processed block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from web3 import AsyncHTTPProvider, AsyncWeb3, WebSocketProvider
from web3.exceptions import Web3Exception, Web3RPCError
from websockets.exceptions import WebSocketException

from engine.chain.errors import ConnectionLost, RpcError

log = logging.getLogger(__name__)

# What a dropped or unreachable endpoint raises, across both transports.
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    aiohttp.ClientError,
    WebSocketException,
)


class Transport(Enum):
    WEBSOCKET = "ws"
    HTTP = "http"


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str
    transport: Transport

    def __str__(self) -> str:
        # RPC urls may carry keys: show the scheme and host only
        scheme, _, rest = self.url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        return f"{scheme}://{host}"


def endpoints(http_urls: Sequence[str], ws_url: str | None) -> list[Endpoint]:
    """The endpoints in order of preference: the WebSocket first, then each HTTP url."""
    out = [Endpoint(ws_url, Transport.WEBSOCKET)] if ws_url else []
    return out + [Endpoint(url, Transport.HTTP) for url in http_urls]


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with jitter: initial_s, x factor per failure, at most max_s."""

    initial_s: float = 0.1
    max_s: float = 10.0
    factor: float = 2.0
    failures: int = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * self.factor**self.failures)
        self.failures += 1
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.failures = 0


class RpcClient:
    """Requests to one chain over the first endpoint that answers.

    ``connect`` tries the endpoints in order of preference every time (the
    WebSocket first, then each HTTP url), so a WebSocket that comes back after
    an outage is used again.
    """

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        timeout_s: float = 30.0,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
    ) -> None:
        if not endpoints:
            raise ValueError("no RPC endpoint configured")
        self.endpoints = list(endpoints)
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.endpoint: Endpoint | None = None
        self._w3: AsyncWeb3[Any] | None = None
        self._batch_lock = asyncio.Lock()  # WebSocket batches share one response id
        self._new_head = asyncio.Event()
        self._heads_task: asyncio.Task[None] | None = None
        self._lost: str | None = None

    @property
    def connected(self) -> bool:
        return self._w3 is not None and self._lost is None

    @property
    def transport(self) -> Transport | None:
        return self.endpoint.transport if self.endpoint else None

    @property
    def on_fallback(self) -> bool:
        """Connected, but not to the preferred (first) endpoint."""
        return self.endpoint is not None and bool(self.endpoints) and self.endpoint != self.endpoints[0]

    # --- lifecycle ----------------------------------------------------------------

    async def connect(self) -> Endpoint:
        """Connect to the first endpoint that answers ``eth_chainId``; ConnectionLost if none."""
        await self.close()
        errors = []
        for endpoint in self.endpoints:
            try:
                await self._open(endpoint)
                await self.request("eth_chainId", [])
            except (ConnectionLost, RpcError) as exc:
                errors.append(f"{endpoint}: {exc}")
                await self.close()
                continue
            log.info("rpc connected", extra={"endpoint": str(endpoint)})
            return endpoint
        raise ConnectionLost("no endpoint answered: " + "; ".join(errors))

    async def _open(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._lost = None
        if endpoint.transport is Transport.HTTP:
            provider = AsyncHTTPProvider(
                endpoint.url,
                request_kwargs={"timeout": aiohttp.ClientTimeout(total=self.timeout_s)},
                exception_retry_configuration=None,  # the follower backs off itself
            )
            self._w3 = AsyncWeb3(provider)
            return
        ws = WebSocketProvider(
            endpoint.url,
            websocket_kwargs={"max_size": 1 << 28, "open_timeout": self.timeout_s},
            request_timeout=self.timeout_s,
            max_connection_retries=1,
        )
        try:
            self._w3 = await asyncio.wait_for(AsyncWeb3(ws), self.timeout_s)  # type: ignore[misc]
        except (*_TRANSPORT_ERRORS, Web3Exception) as exc:
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
        try:
            await asyncio.wait_for(self._w3.eth.subscribe("newHeads"), self.timeout_s)
        except (*_TRANSPORT_ERRORS, Web3Exception) as exc:
            raise ConnectionLost(f"newHeads subscription: {exc}") from exc
        self._heads_task = asyncio.create_task(self._read_heads(self._w3))

    async def _read_heads(self, w3: AsyncWeb3[Any]) -> None:
        try:
            async for _ in w3.socket.process_subscriptions():
                self._new_head.set()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - any end of the stream is a lost socket
            self._lost = f"subscription stream ended: {type(exc).__name__}: {exc}"
        else:
            self._lost = "subscription stream ended"
        self._new_head.set()  # wake the follower so it sees the loss at once

    async def close(self) -> None:
        task, self._heads_task = self._heads_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        w3, self._w3 = self._w3, None
        if w3 is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(w3.provider.disconnect(), 5)

    async def wait_for_new_head(self) -> None:
        """Until the node announces a block (WebSocket), or one poll interval (HTTP; also
        the WebSocket's fallback when a notification is lost)."""
        if self.transport is Transport.WEBSOCKET and self._lost is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_head.wait(), self.poll_interval_s)
            self._new_head.clear()
        else:
            await asyncio.sleep(self.poll_interval_s)

    # --- requests ---------------------------------------------------------------------

    def _provider(self) -> Any:
        if self._w3 is None:
            raise ConnectionLost("not connected")
        if self._lost is not None:
            raise ConnectionLost(self._lost)
        return self._w3.provider

    async def request(self, method: str, params: list[Any]) -> Any:
        provider = self._provider()
        try:
            response = await asyncio.wait_for(provider.make_request(method, params), self.timeout_s)
        except Web3RPCError as exc:
            raise RpcError(method, exc.rpc_response or str(exc)) from exc
        except (*_TRANSPORT_ERRORS, Web3Exception) as exc:
            self._lost = f"{method}: {type(exc).__name__}: {exc}"
            raise ConnectionLost(self._lost) from exc
        if "error" in response:
            raise RpcError(method, response["error"])
        return response.get("result")

    async def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Results in call order, a failed call's :class:`RpcError` in its place.

        Sent as JSON-RPC batches of ``batch_size`` calls.
        """
        out: list[Any] = []
        for start in range(0, len(calls), self.batch_size):
            out.extend(await self._batch_chunk(calls[start : start + self.batch_size]))
        return out

    async def _batch_chunk(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        if len(calls) == 1:  # some nodes answer a batch of one oddly; not worth the risk
            method, params = calls[0]
            try:
                return [await self.request(method, params)]
            except RpcError as exc:
                return [exc]
        provider = self._provider()
        try:
            async with self._batch_lock:
                responses = await asyncio.wait_for(
                    provider.make_batch_request(list(calls)), self.timeout_s
                )
        except (*_TRANSPORT_ERRORS, Web3Exception) as exc:
            self._lost = f"batch of {len(calls)}: {type(exc).__name__}: {exc}"
            raise ConnectionLost(self._lost) from exc
        if not isinstance(responses, list):  # the node refused the whole batch
            raise RpcError("batch", responses.get("error", responses))
        if len(responses) != len(calls):
            raise RpcError("batch", f"{len(responses)} answers to {len(calls)} calls")
        if all(isinstance(r.get("id"), int) for r in responses):
            responses = sorted(responses, key=lambda r: r["id"])  # ids increase in call order
        results: list[Any] = []
        for (method, _), response in zip(calls, responses, strict=True):
            if "error" in response:
                results.append(RpcError(method, response["error"]))
            else:
                results.append(response.get("result"))
        return results
