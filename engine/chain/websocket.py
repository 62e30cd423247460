"""JSON-RPC over one WebSocket, with the node's ``newHeads`` pushed to a callback.

Why not web3's ``WebSocketProvider``: it matches answers to requests by polling
its response cache with ``asyncio.sleep(0)`` (the event loop spins while a
request is in flight, on cores shared with the node), formats every
notification through its middleware, and its listener reads the socket where
the quick ACK below cannot follow each frame. Here one reader task resolves a
future per request id, and a notification reaches ``on_head`` as the raw header
(number, hash, parentHash, timestamp, baseFeePerGas) the moment its frame is
read.

Nagle and delayed ACKs: a node that does not set TCP_NODELAY (anvil 1.7.1)
holds a small notification in its send buffer until the client has ACKed its
previous frame, and Linux delays that ACK (up to 40 ms) when the client has
nothing to send back: behind the answer to the follower's last ``eth_getLogs``,
each ``newHeads`` frame arrived 0-40 ms late on the devnet (~34 ms p50 in the
engine bench, benches/RESULTS.md). The reader therefore
switches the socket to quick ACKs after every frame (``TCP_QUICKACK``, Linux;
the kernel leaves quick-ACK mode on its own, so it is set again each time).

Errors: a dropped or unreachable socket, or a request without an answer
within ``timeout_s``, raises the transport's own exception
(``websockets.exceptions.WebSocketException``, ``OSError``, ``TimeoutError``),
which ``RpcClient`` turns into ``ConnectionLost``; after the socket ends,
``on_lost`` is told why, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Response = dict[str, Any]


class SocketClosed(ConnectionError):
    """The WebSocket ended while a request waited for its answer."""


class JsonRpcWebSocket:
    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        on_head: Callable[[dict[str, Any]], None],
        on_lost: Callable[[str], None],
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._on_head = on_head
        self._on_lost = on_lost
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Response]] = {}
        self._ids = itertools.count(1)
        self._heads_subscription: str | None = None
        self._closed_reason: str | None = None

    async def open(self) -> None:
        """Connect and subscribe to ``newHeads``."""
        self._ws = await connect(
            self.url, max_size=1 << 28, open_timeout=self.timeout_s, compression=None
        )
        self._reader = asyncio.create_task(self._read(self._ws))
        answer = await self.request("eth_subscribe", ["newHeads"])
        if "error" in answer:
            raise SocketClosed(f"newHeads subscription refused: {answer['error']}")
        self._heads_subscription = str(answer.get("result"))

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        reader, self._reader = self._reader, None
        if reader is not None:  # first, so that our own close is not reported as a loss
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await ws.close()
        self._fail_pending("closed")

    # --- requests -----------------------------------------------------------------

    async def request(self, method: str, params: list[Any]) -> Response:
        """The node's answer (``result`` or ``error``)."""
        request_id = next(self._ids)
        future = self._expect(request_id)
        try:
            await self._send({"jsonrpc": "2.0", "id": request_id, "method": method,
                              "params": params})
            async with asyncio.timeout(self.timeout_s):  # not wait_for: see RpcClient.wait_for_new_head
                return await future
        finally:
            self._pending.pop(request_id, None)

    async def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Response]:
        """One JSON-RPC batch; the answers in call order."""
        ids = [next(self._ids) for _ in calls]
        futures = [self._expect(i) for i in ids]
        try:
            await self._send([
                {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
                for i, (method, params) in zip(ids, calls, strict=True)
            ])
            async with asyncio.timeout(self.timeout_s):
                return list(await asyncio.gather(*futures))
        finally:
            for i in ids:
                self._pending.pop(i, None)

    def _expect(self, request_id: int) -> asyncio.Future[Response]:
        if self._closed_reason is not None:
            raise SocketClosed(self._closed_reason)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        return future

    async def _send(self, message: object) -> None:
        if self._ws is None:
            raise SocketClosed("not connected")
        await self._ws.send(orjson.dumps(message).decode())  # a text frame, as nodes expect

    # --- the reader -------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        reason = "closed by the node"
        quick_ack = _quick_ack(ws)
        try:
            async for frame in ws:
                quick_ack()
                self._dispatch(orjson.loads(frame))
        except ConnectionClosed as exc:
            reason = f"connection closed: {exc}"
        except asyncio.CancelledError:
            reason = "closed"
            raise
        except Exception as exc:  # noqa: BLE001 - a frame we cannot read ends the socket
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            self._fail_pending(reason)
            if reason != "closed":
                self._on_lost(reason)

    def _dispatch(self, message: Any) -> None:
        if isinstance(message, list):  # a batch's answers
            for answer in message:
                self._resolve(answer)
            return
        if message.get("method") == "eth_subscription":
            params = message.get("params") or {}
            if params.get("subscription") == self._heads_subscription:
                self._on_head(params["result"])
            return
        if message.get("id") is None and "error" in message:
            # a batch refused as a whole carries no id: every waiting request gets the error
            for future in self._pending.values():
                if not future.done():
                    future.set_result(message)
            return
        self._resolve(message)

    def _resolve(self, answer: Response) -> None:
        future = self._pending.get(answer.get("id"))  # type: ignore[arg-type]
        if future is not None and not future.done():
            future.set_result(answer)

    def _fail_pending(self, reason: str) -> None:
        self._closed_reason = reason
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(SocketClosed(reason))


def _quick_ack(ws: ClientConnection) -> Callable[[], None]:
    """ACK what has arrived now rather than after the delayed-ACK timer (a no-op where
    TCP_QUICKACK does not exist)."""
    sock = ws.transport.get_extra_info("socket")
    option = getattr(socket, "TCP_QUICKACK", None)
    if sock is None or option is None:
        return lambda: None

    def ack() -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, option, 1)

    return ack
