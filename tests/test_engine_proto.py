"""The committed generated code is what proto/ generates; every RPC has a role."""

from __future__ import annotations

from pathlib import Path

from engine.api import codegen
from engine.api.auth import RPC_ROLES, required_role
from engine.api.gen.arbitrage.v1 import engine_pb2


def test_generated_code_is_current(tmp_path: Path) -> None:
    fresh = {p.relative_to(tmp_path): p.read_text() for p in codegen.generate(tmp_path / "gen")}
    committed = {
        p.relative_to(codegen.GEN_DIR.parent): p.read_text()
        for p in codegen.GEN_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert fresh == committed, "run `make proto` and commit engine/api/gen"


def test_every_rpc_has_a_role() -> None:
    service = engine_pb2.DESCRIPTOR.services_by_name["EngineService"]
    methods = {f"/{service.full_name}/{m.name}" for m in service.methods}
    assert methods == set(RPC_ROLES)
    assert required_role("/arbitrage.v1.EngineService/Unknown") == "admin"
    assert required_role("/grpc.health.v1.Health/Check") is None
