"""Wiring of the gRPC server: the service, health, reflection, auth, TLS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from engine.api.auth import Authenticator
from engine.api.gen.arbitrage.v1 import engine_pb2, engine_pb2_grpc
from engine.api.interceptor import EngineInterceptor
from engine.api.service import EngineService
from engine.config import ApiConfig, AuthConfig
from engine.core.engine import Engine
from engine.execution import Executor
from engine.store import Store

if TYPE_CHECKING:
    from engine.models.serving import EngineModels

SERVICE_NAME = engine_pb2.DESCRIPTOR.services_by_name["EngineService"].full_name


class ApiServer:
    """``start`` binds and serves; ``port`` is the bound port (config port 0 picks one)."""

    def __init__(
        self, engine: Engine, store: Store | None, api: ApiConfig, auth: AuthConfig,
        executor: Executor | None = None, models: EngineModels | None = None,
    ) -> None:
        self.api = api
        self.server = grpc.aio.server(interceptors=[EngineInterceptor(Authenticator(auth))])
        engine_pb2_grpc.add_EngineServiceServicer_to_server(EngineService(engine, store, executor, models), self.server)
        self.health = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if api.reflection:
            reflection.enable_server_reflection(
                [SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                 reflection.SERVICE_NAME],
                self.server,
            )
        address = f"{api.host}:{api.port}"
        if api.tls is None:
            self.port = self.server.add_insecure_port(address)
        else:
            ca = api.tls.client_ca_file.read_bytes() if api.tls.client_ca_file else None
            credentials = grpc.ssl_server_credentials(
                [(api.tls.key_file.read_bytes(), api.tls.cert_file.read_bytes())],
                root_certificates=ca,
                require_client_auth=ca is not None,
            )
            self.port = self.server.add_secure_port(address, credentials)
        if self.port == 0:
            raise RuntimeError(f"cannot bind the gRPC server to {address}")

    async def start(self) -> None:
        await self.server.start()
        serving = health_pb2.HealthCheckResponse.SERVING
        await self.health.set("", serving)
        await self.health.set(SERVICE_NAME, serving)

    async def stop(self, grace: float = 2.0) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
