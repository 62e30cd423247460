"""The engine, seen from the gateway: a gRPC client over the generated stubs in
gateway/gen/ (the gateway's own copy of proto/, see gateway/codegen.py) and the
one place that converts proto messages to JSON-ready dicts."""

from gateway.upstream.client import EngineClient, EngineRejected, EngineUnavailable

__all__ = ["EngineClient", "EngineRejected", "EngineUnavailable"]
