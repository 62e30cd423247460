"""EngineClient: the gateway's one gRPC channel to the engine.

Each call carries a token minted for the caller (``sub``, ``role``), so the engine
checks roles too. gRPC status codes become the gateway's errors in one place:
the engine unreachable -> ``EngineUnavailable`` (HTTP 503 with Retry-After); a
request the engine refuses -> ``EngineRejected`` with the HTTP status and, for
INVALID_ARGUMENT / NOT_FOUND, the request field the engine named.

Reads whose answer is the same for every caller (``SHARED_READS``: status, tokens,
pools; the routes check the caller's role first) are answered by SharedReads for up
to ``engine.read_cache_s``: such an answer does not reach the engine, whose logs
then name the caller who asked first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import grpc.aio
from google.protobuf.message import Message

from gateway.auth.tokens import TokenIssuer
from gateway.config import UpstreamConfig
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.gen.arbitrage.v1 import engine_pb2_grpc
from gateway.upstream.shared_reads import SharedReads

log = logging.getLogger(__name__)

GATEWAY_SUBJECT = "gateway"
# viewer reads whose answer does not depend on the caller
SHARED_READS = frozenset({"GetStatus", "ListTokens", "ListPools"})
# calls that change what those reads answer (the mode is part of the status)
CHANGES_ENGINE = frozenset({"SetMode", "SetRiskLimits", "ExecuteOpportunity"})

_UNAVAILABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED,
                grpc.StatusCode.ABORTED}
_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    # the engine refuses the gateway's own tokens: a deployment error, not the caller's
    grpc.StatusCode.UNAUTHENTICATED: 502,
}


class EngineUnavailable(Exception):
    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class EngineRejected(Exception):
    def __init__(self, status: int, message: str, field: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def _split_field(details: str) -> tuple[str | None, str]:
    # the engine's messages for bad fields read "<field>: <what is wrong>"
    field, sep, message = details.partition(": ")
    if sep and field and " " not in field:
        return field, message
    return None, details


class EngineClient:
    def __init__(self, config: UpstreamConfig, tokens: TokenIssuer,
                 on_read: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.tokens = tokens
        self.shared_reads = SharedReads(config.read_cache_s, on_read)
        options = [("grpc.keepalive_time_ms", 20_000), ("grpc.keepalive_timeout_ms", 10_000),
                   ("grpc.initial_reconnect_backoff_ms", 200),
                   ("grpc.max_reconnect_backoff_ms", 2_000)]
        if config.tls_ca_file is not None:
            credentials = grpc.ssl_channel_credentials(config.tls_ca_file.read_bytes())
            self.channel = grpc.aio.secure_channel(config.target, credentials, options=options)
        else:
            self.channel = grpc.aio.insecure_channel(config.target, options=options)
        self.stub = engine_pb2_grpc.EngineServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    def metadata(self, sub: str, role: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.tokens.engine_token(sub, role)}"),)

    def error(self, exc: grpc.aio.AioRpcError) -> Exception:
        code = exc.code()
        details = exc.details() or code.name
        if code in _UNAVAILABLE:
            return EngineUnavailable(f"engine unavailable ({code.name.lower()})",
                                     self.config.retry_after_s)
        status = _HTTP_STATUS.get(code, 502)
        if status == 502:
            log.error("engine error", extra={"code": code.name, "details": details})
        field, message = _split_field(details) if status in (422, 404) else (None, details)
        return EngineRejected(status, message, field)

    async def call(self, method: str, request: Message, sub: str, role: str) -> Any:
        if method in SHARED_READS and self.shared_reads.enabled:
            key = (method, request.SerializeToString(deterministic=True))
            return await self.shared_reads.get(key, lambda: self._call(method, request, sub, role))
        try:
            return await self._call(method, request, sub, role)
        finally:
            if method in CHANGES_ENGINE:
                self.shared_reads.clear()

    async def _call(self, method: str, request: Message, sub: str, role: str) -> Any:
        rpc = getattr(self.stub, method)
        try:
            return await rpc(request, timeout=self.config.timeout_s,
                             metadata=self.metadata(sub, role))
        except grpc.aio.AioRpcError as exc:
            raise self.error(exc) from None

    def stream(self, method: str, request: Message, sub: str = GATEWAY_SUBJECT,
               role: str = "viewer") -> grpc.aio.UnaryStreamCall:
        """An open server stream (no deadline); iterate it, cancel it to stop."""
        return getattr(self.stub, method)(request, metadata=self.metadata(sub, role))

    async def first(self, method: str, request: Message, sub: str, role: str) -> Any:
        """The first message of a server stream (its snapshot), then the stream is closed."""
        call = self.stream(method, request, sub, role)
        try:
            iterator: AsyncIterator[Any] = call.__aiter__()
            async with asyncio.timeout(self.config.timeout_s):
                return await iterator.__anext__()
        except grpc.aio.AioRpcError as exc:
            raise self.error(exc) from None
        except TimeoutError:
            raise EngineUnavailable("engine did not answer in time",
                                    self.config.retry_after_s) from None
        finally:
            call.cancel()

    async def ready(self) -> bool:
        try:
            await self.stub.GetStatus(pb.GetStatusRequest(), timeout=min(self.config.timeout_s, 2),
                                      metadata=self.metadata(GATEWAY_SUBJECT, "viewer"))
            return True
        except grpc.aio.AioRpcError:
            return False

