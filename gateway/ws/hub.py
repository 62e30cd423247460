"""The topics and the connected clients of one gateway app."""

from __future__ import annotations

import time
from typing import Any

from gateway.config import GatewayConfig
from gateway.metrics import GatewayMetrics
from gateway.upstream import EngineClient
from gateway.ws.client import Client
from gateway.ws.topics import TOPIC_TYPES, Topic


class Hub:
    def __init__(self, engine: EngineClient, config: GatewayConfig,
                 metrics: GatewayMetrics) -> None:
        self.config = config
        self.metrics = metrics
        self.topics: dict[str, Topic] = {
            name: cls(engine, config, metrics) for name, cls in TOPIC_TYPES.items()
        }
        self.clients: set[Client] = set()

    def full(self) -> bool:
        return len(self.clients) >= self.config.websocket.max_connections

    def join(self, client: Client) -> None:
        self.clients.add(client)
        self.metrics.ws_connections.set(len(self.clients))

    def leave(self, client: Client) -> None:
        for topic in list(client.topics.values()):
            topic.remove(client)
        client.topics.clear()
        self.clients.discard(client)
        self.metrics.ws_connections.set(len(self.clients))

    async def stop(self) -> None:
        for topic in self.topics.values():
            await topic.stop()

    def health(self) -> dict[str, Any]:
        """What admins see: topics with their upstreams, clients with their queues."""
        now = time.time()
        return {
            "topics": [
                {"name": t.name, "role": t.role, "epoch": t.epoch, "seq": t.seq,
                 "subscribers": len(t.clients), "upstream_connected": t.connected,
                 "upstream_reconnects": t.reconnects, "replay_buffered": len(t.replay)}
                for t in self.topics.values()
            ],
            "clients": [
                {"id": c.id, "subject": c.principal.subject, "role": c.principal.role,
                 "ip": c.ip, "topics": sorted(c.topics), "queue_depth": len(c.queue),
                 "conflations": c.conflations, "sent": c.sent,
                 "connected_s": round(now - c.connected_at, 3)}
                for c in sorted(self.clients, key=lambda c: c.connected_at)
            ],
        }
