"""The Python surface of engine_rs: int conversion at every size, argument
errors that name the argument, reverts that carry the contract's reason."""

from __future__ import annotations

import random

import pytest

import engine_rs


def sizes() -> list[int]:
    rng = random.Random(7)
    values = {0, 1, 2**64 - 1, 2**64, 2**256 - 1}
    for bits in range(1, 257):
        values |= {(1 << bits) - 1, 1 << (bits - 1), rng.getrandbits(bits)}
    return sorted(v for v in values if v < 2**256)


def test_ints_round_trip_at_every_size() -> None:
    # mul_div(v, 1, 1) == v exercises both directions of the conversion.
    for value in sizes():
        result = engine_rs.mul_div(value, 1, 1)
        assert type(result) is int
        assert result == value and hash(result) == hash(value) and str(result) == str(value)


def test_int_subclasses_and_bools_are_accepted() -> None:
    class Amount(int):
        pass

    assert engine_rs.mul_div(Amount(2**200), 3, 3) == 2**200
    assert engine_rs.mul_div(True, 5, 1) == 5


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: engine_rs.v2_get_amount_out(-1, 10, 10), "amount_in"),
        (lambda: engine_rs.v2_get_amount_out(1, 2**256, 10), "reserve_in"),
        (lambda: engine_rs.v2_get_amount_out(1, 10, 10, fee_bps=10_000), "fee_bps"),
        (lambda: engine_rs.v2_get_amount_out_batch([(1, 10, 10), (1, 10, -3)]), "quotes[1][2]"),
        (lambda: engine_rs.v2_get_amount_out_batch([(1, 10)]), "quotes[0]"),
        (lambda: engine_rs.V3Pool(2**96, 0, -1, 3000, 60, []), "liquidity"),
        (lambda: engine_rs.V3Pool(2**96, 0, 1, 3000, 60, [(61, 1)]), "ticks"),
        (lambda: engine_rs.V3Pool(2**96, 0, 1, 3000, 60, [(60, 2**127)]), "ticks[0].liquidity_net"),
        (lambda: engine_rs.V3Pool(2**160, 0, 1, 3000, 60, []), "sqrt_price_x96"),
        (lambda: engine_rs.V3Pool(2**96, 0, 1, 1_000_000, 60, []), "fee"),
    ],
)
def test_bad_arguments_name_the_argument(call, field: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert not isinstance(info.value, engine_rs.SwapRevert)
    assert str(info.value).startswith(field), str(info.value)


def test_wrong_types_are_type_errors_naming_the_argument() -> None:
    with pytest.raises(TypeError, match="amount_in"):
        engine_rs.v2_get_amount_out("1", 10, 10)


def test_reverts_carry_the_contract_reason() -> None:
    pool = engine_rs.V3Pool(2**96, 0, 10**18, 3000, 60, [(-887220, 10**18), (887220, -(10**18))])
    with pytest.raises(engine_rs.SwapRevert) as info:
        pool.swap(True, 0)
    assert info.value.reason == "AS" and isinstance(info.value, ValueError)
    with pytest.raises(engine_rs.SwapRevert) as info:
        pool.swap(True, 10, sqrt_price_limit_x96=2**96)
    assert info.value.reason == "SPL"
    with pytest.raises(engine_rs.SwapRevert) as info:
        engine_rs.get_sqrt_ratio_at_tick(engine_rs.MAX_TICK + 1)
    assert info.value.reason == "T"
    with pytest.raises(engine_rs.SwapRevert) as info:
        engine_rs.v2_get_amount_out_batch([(1, 10, 10), (1, 0, 10)])
    assert info.value.reason == "UniswapV2Library: INSUFFICIENT_LIQUIDITY"
    assert "in quotes[1]" in info.value.__notes__


def test_swap_batch_returns_results_and_reverts_in_place() -> None:
    pool = engine_rs.V3Pool(2**96, 0, 10**18, 3000, 60, [(-887220, 10**18), (887220, -(10**18))])
    requests = [(True, 10**15, None), (False, 0, None), (False, -(10**12), None)] * 20
    results = pool.swap_batch(requests)
    for (zero_for_one, amount, limit), result in zip(requests, results, strict=True):
        if amount == 0:
            assert isinstance(result, engine_rs.SwapRevert) and result.reason == "AS"
        else:
            assert result == pool.swap(zero_for_one, amount, limit)
    # The pool itself never changes.
    assert pool.sqrt_price_x96 == 2**96 and pool.tick == 0 and pool.liquidity == 10**18
