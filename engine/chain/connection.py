"""One chain's RPC connection: WebSocket when a ws url is configured, HTTP
otherwise (or when the WebSocket cannot be reached), JSON-RPC batches, new-head
wake-ups, and exponential backoff between reconnects.

WebSocket: our own JSON-RPC client (websocket.py) with a ``newHeads``
subscription whose headers are handed to the follower as they arrive. HTTP:
web3's ``AsyncHTTPProvider`` used raw (``make_request`` /
``make_batch_request``). Either way the layer decodes fixed word layouts itself
(abi.py), so web3's formatters and middleware would only add cost. Every
transport failure surfaces as :class:`ConnectionLost`; the follower reconnects
and resumes from its last processed block.
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
from web3 import AsyncHTTPProvider
from web3.exceptions import Web3Exception, Web3RPCError
from websockets.exceptions import WebSocketException

from engine.chain.errors import ConnectionLost, RpcError
from engine.chain.websocket import JsonRpcWebSocket

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
        self._http: AsyncHTTPProvider | None = None
        self._ws: JsonRpcWebSocket | None = None
        self._new_head = asyncio.Event()
        self._head: dict[str, Any] | None = None  # the newest header announced, not yet taken
        self._lost: str | None = None

    @property
    def connected(self) -> bool:
        return (self._http is not None or self._ws is not None) and self._lost is None

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
        self._head = None
        if endpoint.transport is Transport.HTTP:
            self._http = AsyncHTTPProvider(
                endpoint.url,
                request_kwargs={"timeout": aiohttp.ClientTimeout(total=self.timeout_s)},
                exception_retry_configuration=None,  # the follower backs off itself
            )
            return
        self._ws = JsonRpcWebSocket(endpoint.url, timeout_s=self.timeout_s,
                                    on_head=self._announced, on_lost=self._socket_lost)
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._ws.open()
        except _TRANSPORT_ERRORS as exc:
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc

    def _announced(self, header: dict[str, Any]) -> None:
        self._head = header
        self._new_head.set()

    def _socket_lost(self, reason: str) -> None:
        self._lost = f"websocket: {reason}"
        self._new_head.set()  # wake the follower so it sees the loss at once

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        http, self._http = self._http, None
        if http is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await http.disconnect()

    async def wait_for_new_head(self) -> None:
        """Until the node announces a block (WebSocket), or one poll interval (HTTP; also
        the WebSocket's fallback when a notification is lost)."""
        if self.transport is Transport.WEBSOCKET and self._lost is None:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # coincides with the event (the follower then never stopped)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval_s):
                    await self._new_head.wait()
            self._new_head.clear()
        else:
            await asyncio.sleep(self.poll_interval_s)

    def take_new_head(self) -> dict[str, Any] | None:
        """The newest header the node announced (``newHeads``, raw) since the last call, or
        None (HTTP, or nothing new). Only a hint: a header may be skipped or be stale."""
        head, self._head = self._head, None
        return head

    # --- requests ---------------------------------------------------------------------

    def _check(self) -> None:
        if self._http is None and self._ws is None:
            raise ConnectionLost("not connected")
        if self._lost is not None:
            raise ConnectionLost(self._lost)

    async def request(self, method: str, params: list[Any]) -> Any:
        self._check()
        try:
            if self._ws is not None:
                response = await self._ws.request(method, params)
            else:
                assert self._http is not None
                async with asyncio.timeout(self.timeout_s):
                    response = await self._http.make_request(method, params)  # type: ignore[arg-type]
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
        self._check()
        try:
            if self._ws is not None:
                responses: Any = await self._ws.batch(calls)
            else:
                assert self._http is not None
                async with asyncio.timeout(self.timeout_s):
                    responses = await self._http.make_batch_request(list(calls))  # type: ignore[arg-type]
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
