"""The gRPC service end to end: a real grpc.aio server on loopback, a real
arbitrage.db, an engine fed with synthetic blocks."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import grpc.aio
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.config import EngineConfig
from tests.engine_support import (
    JWT_SECRET,
    KEYS,
    bearer,
    block,
    gap_update,
    make_config,
    opp_tuple,
    populate,
    reference_market,
    run,
    running_app,
    token_a,
    token_b,
    v2_pool,
    v3_pool,
)

VIEWER = bearer(KEYS["viewer"])
ADMIN = bearer(KEYS["admin"])


@pytest.fixture
def config(tmp_path: Path) -> EngineConfig:
    return make_config(tmp_path)


async def _code(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value.code(), info.value.details() or ""


def _jwt(role: str, *, exp_in: int = 300, secret: str = JWT_SECRET) -> list[tuple[str, str]]:
    claims = {"sub": f"user-{role}", "role": role, "iss": "arbx-gateway",
              "exp": int(time.time()) + exp_in}
    return bearer(jwt.encode(claims, secret, algorithm="HS256"))


def test_status_tokens_pools(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            populate(app.engine)
            app.engine.apply_block(block(1, 1, [gap_update(1)], gas_price_wei=10**9))
            status = await stub.GetStatus(pb.GetStatusRequest(), metadata=VIEWER)
            assert status.mode == pb.MODE_WATCH and status.pools == 4 and status.tokens == 4
            assert status.opportunities == 1
            c1 = next(c for c in status.chains if c.chain_id == 1)
            assert (c1.name, c1.head_number, c1.pools, c1.blocks_processed) == ("test-1", 1, 2, 1)
            assert c1.head_hash == block(1, 1, []).hash and c1.gas_price_wei == str(10**9)
            assert c1.state == pb.SYNC_STATE_IDLE

            tokens = await stub.ListTokens(pb.ListTokensRequest(chain_id=1), metadata=VIEWER)
            assert {(t.address, t.symbol, t.is_base, t.is_native) for t in tokens.tokens} == {
                (token_a(1), "WETH", True, True), (token_b(1), "USD", False, False)}

            pools = await stub.ListPools(pb.ListPoolsRequest(chain_id=1, include_ticks=True),
                                         metadata=VIEWER)
            by_address = {p.address: p for p in pools.pools}
            v2 = by_address[v2_pool(1)]
            assert v2.kind == pb.POOL_KIND_V2 and v2.fee_pips == 3000 and v2.updated_block == 1
            assert (v2.v2.reserve0, v2.v2.reserve1) == (str(10**21), str(3 * 10**21))
            assert v2.price == pytest.approx(3.0)
            v3 = by_address[v3_pool(1)]
            assert v3.kind == pb.POOL_KIND_V3 and v3.v3.liquidity == str(10**22)
            assert [t.tick for t in v3.v3.ticks] == [-887220, 887220]
            assert v3.price == pytest.approx(2.0, rel=1e-3)

    run(scenario())


def test_quote_and_best_route_equal_engine_rs(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            populate(app.engine)
            app.engine.apply_block(block(1, 1, [gap_update(1)]))
            market = reference_market(config)
            market.update([gap_update(1)])
            amount = 12345678901234567890123
            path = [v2_pool(1), v3_pool(1)]
            quote = await stub.Quote(pb.QuoteRequest(chain_id=1, pools=path, token_in=token_a(1),
                                                     amount_in=str(amount)), metadata=VIEWER)
            expected = market.quote(1, path, token_a(1), amount)
            assert [int(a) for a in quote.amounts] == expected
            assert int(quote.amount_out) == expected[-1] and quote.block_number == 1
            assert list(quote.tokens) == [token_a(1), token_b(1), token_a(1)]

            route = await stub.BestRoute(pb.BestRouteRequest(
                chain_id=1, token_in=token_b(1).upper().replace("0X", "0x"), token_out=token_a(1),
                amount_in=str(10**20)), metadata=VIEWER)
            best = market.best_route(1, token_b(1), token_a(1), 10**20)
            assert best is not None
            assert list(route.route.pools) == best.pools
            assert [int(a) for a in route.route.amounts] == best.amounts
            assert route.route.gas_units == best.gas_units

    run(scenario())


def test_invalid_requests_name_the_field(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            populate(app.engine)
            invalid = grpc.StatusCode.INVALID_ARGUMENT
            not_found = grpc.StatusCode.NOT_FOUND
            good = {"chain_id": 1, "pools": [v2_pool(1)], "token_in": token_a(1), "amount_in": "10"}
            cases = [
                (dict(good, amount_in="1.5"), invalid, "amount_in: must be a decimal integer"),
                (dict(good, amount_in="-3"), invalid, "amount_in: must be a decimal integer"),
                (dict(good, amount_in=str(2**256)), invalid, "amount_in: must be below 2**256"),
                (dict(good, amount_in="0"), invalid, "amount_in: must be greater than 0"),
                (dict(good, amount_in=""), invalid, "amount_in: is required"),
                (dict(good, token_in="0x12"), invalid, "token_in: must be a 0x-prefixed"),
                (dict(good, pools=[v2_pool(1), "nope"]), invalid, "pools[1]: must be a 0x"),
                (dict(good, pools=[]), invalid, "pools: at least one pool"),
                (dict(good, chain_id=0), invalid, "chain_id: is required"),
                (dict(good, chain_id=99), not_found, "chain_id: unknown chain 99"),
                (dict(good, token_in="0x" + "9" * 40), not_found, "token_in: unknown token"),
                (dict(good, pools=[v2_pool(1), "0x" + "9" * 40]), not_found, "pools[1]: unknown pool"),
                (dict(good, pools=[v2_pool(1), v2_pool(1)], token_in=token_a(1)), None, None),
            ]
            for fields, code, message in cases:
                call = stub.Quote(pb.QuoteRequest(**fields), metadata=VIEWER)
                if code is None:
                    await call  # A -> B -> A through the same pair is a valid path
                    continue
                got = await _code(call)
                assert got[0] == code and got[1].startswith(message), (fields, got)
            got = await _code(stub.BestRoute(pb.BestRouteRequest(
                chain_id=1, token_in=token_a(1), token_out="0x" + "8" * 40, amount_in="1"),
                metadata=VIEWER))
            assert got == (not_found, f"token_out: unknown token {'0x' + '8' * 40} on chain 1")
            got = await _code(stub.ListOpportunities(
                pb.ListOpportunitiesRequest(min_profit_net="ten"), metadata=VIEWER))
            assert got == (invalid, "min_profit_net: must be a decimal integer")
            got = await _code(stub.ListOpportunities(
                pb.ListOpportunitiesRequest(page_token="garbage"), metadata=VIEWER))
            assert got[0] == invalid and got[1].startswith("page_token:")
            got = await _code(stub.ListOpportunities(
                pb.ListOpportunitiesRequest(from_block=2**64 - 1), metadata=VIEWER))
            assert got == (invalid, f"from_block: must be at most {2**63 - 1}")

    run(scenario())


def test_auth_and_roles(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (_, stub, _channel):
            status = pb.GetStatusRequest()
            unauth, denied = grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED
            assert (await _code(stub.GetStatus(status)))[0] == unauth
            assert (await _code(stub.GetStatus(status, metadata=bearer("wrong-key"))))[0] == unauth
            assert (await _code(stub.GetStatus(status, metadata=[("authorization", "Basic x")])))[0] == unauth
            got = await _code(stub.GetStatus(status, metadata=_jwt("viewer", exp_in=-60)))
            assert got == (unauth, "JWT expired")
            got = await _code(stub.GetStatus(status, metadata=_jwt("viewer", secret="x" * 40)))
            assert got[0] == unauth
            await stub.GetStatus(status, metadata=_jwt("viewer"))
            await stub.GetStatus(status, metadata=VIEWER)

            for metadata in (VIEWER, bearer(KEYS["trader"]), _jwt("trader")):
                got = await _code(stub.GetConfig(pb.GetConfigRequest(), metadata=metadata))
                assert got[0] == denied and "needs role admin" in got[1]
            for metadata in (ADMIN, _jwt("admin")):
                cfg = await stub.GetConfig(pb.GetConfigRequest(), metadata=metadata)
                assert "secret-key" not in cfg.config_json and JWT_SECRET not in cfg.config_json
                assert "**********" in cfg.config_json
            # streams check auth too
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest())
            assert (await _code(stream.read()))[0] == unauth

    run(scenario())


def test_unexpected_error_is_internal_with_an_id(
    config: EngineConfig, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            def broken() -> None:
                raise RuntimeError("boom")

            app.engine.status = broken  # type: ignore[method-assign]
            code, details = await _code(stub.GetStatus(pb.GetStatusRequest(), metadata=VIEWER))
            assert code == grpc.StatusCode.INTERNAL and details.startswith("internal error (id ")
            error_id = details.removeprefix("internal error (id ").rstrip(")")
            assert any(getattr(r, "error_id", None) == error_id for r in caplog.records)
            assert "boom" not in details

    run(scenario())


def test_stream_opportunities_delivers_the_gap(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            populate(app.engine)
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest(chain_ids=[1]),
                                              metadata=VIEWER)
            first = await stream.read()  # the subscription exists once the snapshot arrives
            assert first.snapshot and list(first.opportunities) == []
            b = block(1, 1, [gap_update(1)])
            app.engine.apply_block(b)
            app.engine.apply_block(block(2, 1, [gap_update(2)]))  # filtered out
            batch = await asyncio.wait_for(stream.read(), 30)
            assert (batch.chain_id, batch.block_number, batch.block_hash) == (1, 1, b.hash)
            assert batch.observed_unix_nanos == b.observed_ns <= batch.published_unix_nanos
            expected = reference_market(config).update([gap_update(1)])
            assert len(batch.opportunities) == 1 == len(expected)
            got, want = batch.opportunities[0], expected[0]
            assert opp_tuple(_as_ints(got)) == opp_tuple(want)
            stream.cancel()

            # a stream of prices: snapshot, then the pools a block changed
            prices = stub.StreamPrices(pb.StreamPricesRequest(chain_ids=[1]), metadata=VIEWER)
            snap = await prices.read()
            assert snap.snapshot and {p.pool for p in snap.prices} == {v2_pool(1), v3_pool(1)}
            app.engine.apply_block(block(1, 2, [gap_update(1, 4 * 10**21)]))
            update = await asyncio.wait_for(prices.read(), 30)
            assert [(p.pool, p.v2.reserve1) for p in update.prices] == [(v2_pool(1), str(4 * 10**21))]
            prices.cancel()

    run(scenario())


class _Opp:
    def __init__(self, o: pb.Opportunity) -> None:
        self.chain_id, self.base_token = o.chain_id, o.base_token
        self.pools, self.tokens, self.zero_for_one = list(o.pools), list(o.tokens), list(o.zero_for_one)
        self.amount_in, self.amount_out = int(o.amount_in), int(o.amount_out)
        self.amounts = [int(a) for a in o.amounts]
        self.profit_gross, self.profit_net = int(o.profit_gross), int(o.profit_net)
        self.gas_units, self.gas_cost = o.gas_units, int(o.gas_cost)


def _as_ints(o: pb.Opportunity) -> _Opp:
    return _Opp(o)


def test_list_opportunities_from_the_store(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            populate(app.engine)
            reserves = [3 * 10**21, 4 * 10**21, 4 * 10**21, 5 * 10**21]
            for n, r in enumerate(reserves, start=1):
                app.engine.apply_block(block(1, n, [gap_update(1, r)]))
            app.engine.apply_block(block(2, 1, [gap_update(2)]))
            await asyncio.to_thread(app.store.flush)
            # block 3 did not change the sizing: 3 rows on chain 1, 1 on chain 2
            page1 = await stub.ListOpportunities(
                pb.ListOpportunitiesRequest(chain_id=1, page_size=2), metadata=VIEWER)
            assert [o.block_number for o in page1.opportunities] == [4, 2]
            assert page1.next_page_token
            page2 = await stub.ListOpportunities(pb.ListOpportunitiesRequest(
                chain_id=1, page_size=2, page_token=page1.next_page_token), metadata=VIEWER)
            assert [o.block_number for o in page2.opportunities] == [1]
            assert page2.next_page_token == ""
            newest = page1.opportunities[0]
            current = next(o for o in app.engine.opportunities if o.chain_id == 1)
            assert opp_tuple(_as_ints(newest)) == opp_tuple(current)
            rich = await stub.ListOpportunities(pb.ListOpportunitiesRequest(
                min_profit_net=newest.profit_net), metadata=VIEWER)
            assert [o.block_number for o in rich.opportunities] == [4]
            by_pool = await stub.ListOpportunities(pb.ListOpportunitiesRequest(
                pool=v3_pool(2)), metadata=VIEWER)
            assert [o.chain_id for o in by_pool.opportunities] == [2]

    run(scenario())


def test_health_and_reflection(config: EngineConfig) -> None:
    async def scenario() -> None:
        async with running_app(config) as (_, _stub, channel):
            health = health_pb2_grpc.HealthStub(channel)
            reply = await health.Check(health_pb2.HealthCheckRequest(
                service="arbitrage.v1.EngineService"))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            refl = reflection_pb2_grpc.ServerReflectionStub(channel)
            responses = refl.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
            names = [s.name async for r in responses for s in r.list_services_response.service]
            assert "arbitrage.v1.EngineService" in names and "grpc.health.v1.Health" in names

    run(scenario())


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_tls(tmp_path: Path) -> None:
    from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
    from engine.app import EngineApp

    cert_file, key_file = _self_signed(tmp_path)
    config = make_config(tmp_path, api={"host": "127.0.0.1", "port": 0, "tls": {
        "cert_file": str(cert_file), "key_file": str(key_file)}})

    async def scenario() -> None:
        app = EngineApp(config)
        await app.start()
        try:
            credentials = grpc.ssl_channel_credentials(cert_file.read_bytes())
            async with grpc.aio.secure_channel(
                f"localhost:{app.port}", credentials,
                options=[("grpc.ssl_target_name_override", "localhost")],
            ) as channel:
                stub = engine_pb2_grpc.EngineServiceStub(channel)
                status = await stub.GetStatus(pb.GetStatusRequest(), metadata=VIEWER)
                assert status.mode == pb.MODE_WATCH
            async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as plain:
                stub = engine_pb2_grpc.EngineServiceStub(plain)
                code, _ = await _code(stub.GetStatus(pb.GetStatusRequest(), metadata=VIEWER,
                                                     timeout=5))
                assert code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            await app.stop()

    run(scenario())


def test_a_verified_jwt_is_remembered_only_until_it_expires(config: EngineConfig,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.api import auth as engine_auth

    authenticator = engine_auth.Authenticator(config.auth)
    metadata = _jwt("trader", exp_in=120)
    calls = 0
    verify = authenticator._verify_jwt

    def counting(token: str) -> tuple[engine_auth.Principal, float]:
        nonlocal calls
        calls += 1
        return verify(token)

    monkeypatch.setattr(authenticator, "_verify_jwt", counting)
    first = authenticator.authenticate(metadata)
    assert authenticator.authenticate(metadata) == first == engine_auth.Principal("user-trader", "trader", "jwt")
    assert calls == 1  # the second call came from the cache
    # past its exp (by the engine's clock) the cache no longer answers: the token is
    # verified again (PyJWT, on the real clock, still accepts it here)
    later = time.time() + 121
    monkeypatch.setattr(engine_auth.time, "time", lambda: later)
    assert authenticator.authenticate(metadata) == first
    assert calls == 2
