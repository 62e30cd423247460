"""Every error the API returns, in one place. Bodies are ``{"detail": ...}``:
422 lists ``{"loc": [where, field], "msg", "type"}`` items naming the field; the
engine unreachable is 503 with Retry-After; anything unexpected is 500 with an
error id that is also logged with its traceback (never the traceback itself)."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import orjson
from fastapi import FastAPI, Request
from starlette.responses import Response

from gateway.upstream import EngineRejected, EngineUnavailable

log = logging.getLogger(__name__)


class OrjsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _loc(field: str) -> list[str | int]:
    # "pools[1]" -> ["query", "pools", 1]
    out: list[str | int] = ["query"]
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", field):
        out.append(name if name else int(index))
    return out


async def engine_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EngineUnavailable)
    request.app.state.ctx.metrics.engine_errors.labels("unavailable").inc()
    return OrjsonResponse({"detail": str(exc)}, status_code=503,
                          headers={"Retry-After": str(exc.retry_after_s)})


async def engine_rejected(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EngineRejected)
    if exc.status == 422 and exc.field:
        body: Any = [{"loc": _loc(exc.field), "msg": exc.message, "type": "value_error"}]
    elif exc.field:
        body = f"{exc.field}: {exc.message}"
    else:
        body = exc.message
    return OrjsonResponse({"detail": body}, status_code=exc.status)


async def unexpected(request: Request, exc: Exception) -> Response:
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error", exc_info=exc,
              extra={"error_id": error_id, "path": request.url.path})
    return OrjsonResponse({"detail": "internal error", "error_id": error_id}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(EngineUnavailable, engine_unavailable)
    app.add_exception_handler(EngineRejected, engine_rejected)
    app.add_exception_handler(Exception, unexpected)
