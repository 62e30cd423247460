"""One server interceptor: authentication and roles, error mapping, RPC metrics.

Errors leave a handler in exactly one way: the core's ``EngineError`` kinds
map to their status codes here (``STATUS_OF``), an abort raised by the
handler passes through, and anything else becomes INTERNAL with an error id
that is also logged with the traceback (never an unhandled exception).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio

from engine import metrics
from engine.api.auth import Authenticator, AuthError, Principal, current_principal, required_role
from engine.core.errors import (
    BlockRejected,
    EngineError,
    InvalidRequest,
    NotFound,
    PreconditionFailed,
    RollbackTooDeep,
)

log = logging.getLogger(__name__)

STATUS_OF: dict[type[EngineError], grpc.StatusCode] = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    BlockRejected: grpc.StatusCode.FAILED_PRECONDITION,
    RollbackTooDeep: grpc.StatusCode.FAILED_PRECONDITION,
    PreconditionFailed: grpc.StatusCode.FAILED_PRECONDITION,
}


def _status_of(exc: EngineError) -> grpc.StatusCode:
    for kind, code in STATUS_OF.items():
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.INTERNAL


class _Outcome:
    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code = grpc.StatusCode.OK


async def _fail(exc: BaseException, method: str, context: grpc.aio.ServicerContext,
                outcome: _Outcome) -> None:
    if isinstance(exc, EngineError):
        outcome.code = _status_of(exc)
        await context.abort(outcome.code, str(exc))
    error_id = uuid.uuid4().hex[:12]
    outcome.code = grpc.StatusCode.INTERNAL
    metrics.RPC_ERRORS.labels(method).inc()
    log.error("unexpected error in RPC", exc_info=exc, extra={"method": method, "error_id": error_id})
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error (id {error_id})")


class EngineInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method: str = details.method  # type: ignore[attr-defined]
        role = required_role(method)
        if handler is None or role is None:
            return handler
        try:
            principal = self.authenticator.authenticate(details.invocation_metadata)  # type: ignore[attr-defined]
        except AuthError as exc:
            return _denied(handler, method, grpc.StatusCode.UNAUTHENTICATED, str(exc))
        if not principal.may(role):
            return _denied(
                handler, method, grpc.StatusCode.PERMISSION_DENIED,
                f"{method.rsplit('/', 1)[-1]} needs role {role}; {principal.subject} is {principal.role}",
            )
        return _wrapped(handler, method, principal)


def _denied(
    handler: grpc.RpcMethodHandler, method: str, code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler:
    async def deny(request: Any, context: grpc.aio.ServicerContext) -> Any:
        metrics.RPC_LATENCY.labels(method, code.name).observe(0)
        await context.abort(code, message)

    async def deny_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        await deny(request, context)
        yield  # pragma: no cover - abort raised

    return _replace(handler, deny, deny_stream)


def _wrapped(
    handler: grpc.RpcMethodHandler, method: str, principal: Principal
) -> grpc.RpcMethodHandler:
    inner_unary = handler.unary_unary
    inner_stream = handler.unary_stream

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        current_principal.set(principal)
        outcome, started = _Outcome(), time.perf_counter()
        try:
            return await inner_unary(request, context)  # type: ignore[misc]
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place errors are mapped
            await _fail(exc, method, context, outcome)
        finally:
            metrics.RPC_LATENCY.labels(method, outcome.code.name).observe(
                time.perf_counter() - started
            )

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        current_principal.set(principal)
        outcome, started = _Outcome(), time.perf_counter()
        try:
            async for response in inner_stream(request, context):  # type: ignore[misc]
                yield response
        except (grpc.aio.AbortError, asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:  # noqa: BLE001
            await _fail(exc, method, context, outcome)
        finally:
            metrics.RPC_LATENCY.labels(method, outcome.code.name).observe(
                time.perf_counter() - started
            )

    return _replace(handler, unary, stream)


def _replace(
    handler: grpc.RpcMethodHandler,
    unary: Callable[..., Any],
    stream: Callable[..., Any],
) -> grpc.RpcMethodHandler:
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            unary, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            stream, handler.request_deserializer, handler.response_serializer
        )
    return handler  # client/bidi streaming: none in this service
