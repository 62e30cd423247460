"""A dropped RPC connection mid-run: the followers (WebSocket and HTTP) reach the node
through a TCP proxy that the test stops and restarts while the simulator keeps
mining; they reconnect with backoff and backfill, applying every block exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest

from engine.chain import ChainFollower, FollowerOptions
from engine.core import SyncState
from tests.chain_layer_support import (
    RecordingEngine,
    World,
    assert_engine_matches_chain,
    engine_config,
    simulate,
    wait_until,
    world,
)

pytestmark = pytest.mark.chain


class TcpProxy:
    """Forwards 127.0.0.1:port to the node; ``stop`` cuts every connection and stops listening."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world(seed=31) as w:
        yield w


def test_reconnect_backfills_every_block_exactly_once(devnet: World) -> None:
    async def main() -> None:
        proxy = TcpProxy(devnet.node.port)
        await proxy.start()
        url = f"127.0.0.1:{proxy.port}"
        options = FollowerOptions(backoff_initial_s=0.05, backoff_max_s=0.4, request_timeout_s=5,
                                  max_block_range=4, retry_preferred_s=0.5)
        ws_config = engine_config(devnet.devnet, rpc_url=f"http://{url}", ws_url=f"ws://{url}")
        http_config = engine_config(devnet.devnet, rpc_url=f"http://{url}", ws=False)
        engines = [RecordingEngine(ws_config), RecordingEngine(http_config)]
        followers = [ChainFollower(c.chains[0], e, options)
                     for c, e in zip((ws_config, http_config), engines)]
        tasks = [asyncio.create_task(f.run()) for f in followers]
        try:
            start = devnet.head()
            await wait_until(lambda: all(f.last_processed == start for f in followers), "sync")
            simulation = asyncio.create_task(asyncio.to_thread(simulate, devnet, 60, 9, 12))
            for outage in (1, 2):
                await wait_until(lambda n=outage: all(len(e.applied) >= 10 * n for e in engines),
                                 "blocks before the outage")
                await proxy.stop()
                await wait_until(lambda n=outage: all(f.status().state is SyncState.RECONNECTING
                                                 and f.reconnects >= n for f in followers),
                                 "both followers to notice the outage")
                assert all(e.status().chains[0].state is SyncState.RECONNECTING for e in engines)
                blocked_at = devnet.head()
                await wait_until(lambda b=blocked_at: devnet.head() >= b + 8, "blocks during the outage")
                await proxy.start()  # same port
            await simulation
            head = devnet.head()
            await wait_until(lambda: all(f.last_processed == head for f in followers),
                             "the followers to backfill to the head")
            for follower, engine in zip(followers, engines):
                status = follower.status()
                assert status.state is SyncState.LIVE and status.connected and status.lag == 0
                assert status.reconnects >= 2
                assert engine.applied == list(range(start + 1, head + 1))  # exactly once, in order
                assert engine.rollbacks == []
                assert assert_engine_matches_chain(devnet, engine) > 0
            # A WebSocket follower that fell back to HTTP during an outage returns to WebSocket.
            await wait_until(lambda: followers[0].status().transport == "ws", "the ws follower back on ws")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await proxy.stop()

    asyncio.run(main())
