"""Engine pool state -> ``PoolObservation``: the serving side of ml/data/store.py's mapping.

Both sides must agree, or the models see different numbers in serving than in
training: ``tests/test_ml_runtime.py`` checks this function against the
store adapter on the same states.

- price: token1 per token0, decimals applied (as ``engine.core.state.mid_price``);
- liquidity: V2 sqrt(reserve0*reserve1), V3 L, divided by 10**((d0+d1)/2);
- swap_count: 1 when the price moved since ``previous``, else 0;
- volume (token1 units): V2 |Δreserve1|, V3 L·|Δsqrt(P)|.

Duck-typed on ``engine_rs.PoolView`` (reserve0 set for V2, sqrt_price_x96 for
V3; ml/data/devnet.py passes plain namespaces) so that this package does not
import the engine core.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from engine.models.runtime import PoolObservation

Q96 = 2.0**96


def _decimals(tokens: Mapping[tuple[int, str], Any], chain_id: int, address: str) -> int:
    token = tokens.get((chain_id, address))
    return int(token.decimals) if token is not None else 18


def _symbol(tokens: Mapping[tuple[int, str], Any], chain_id: int, address: str) -> str:
    token = tokens.get((chain_id, address))
    return str(token.symbol) if token is not None and token.symbol else address


def observation(pool: Any, previous: Any | None, tokens: Mapping[tuple[int, str], Any]) -> PoolObservation:
    d0 = _decimals(tokens, pool.chain_id, pool.token0)
    d1 = _decimals(tokens, pool.chain_id, pool.token1)
    pair = f"{_symbol(tokens, pool.chain_id, pool.token0)}/{_symbol(tokens, pool.chain_id, pool.token1)}"
    depth_scale = 10.0 ** ((d0 + d1) / 2.0)
    if getattr(pool, "reserve0", None) is not None:  # a V2 pair (a V3 PoolView's is None)
        price = pool.reserve1 / pool.reserve0 * 10.0 ** (d0 - d1) if pool.reserve0 else 0.0
        liquidity = math.sqrt(float(pool.reserve0) * float(pool.reserve1)) / depth_scale
        volume = (abs(pool.reserve1 - previous.reserve1) / 10.0**d1) if previous is not None else 0.0
        moved = previous is not None and (
            pool.reserve0 * previous.reserve1 != pool.reserve1 * previous.reserve0)
    else:
        sqrt_p = pool.sqrt_price_x96 / Q96
        price = sqrt_p**2 * 10.0 ** (d0 - d1)
        liquidity = float(pool.liquidity) / depth_scale
        volume = (float(pool.liquidity) * abs(sqrt_p - previous.sqrt_price_x96 / Q96) / 10.0**d1
                  if previous is not None else 0.0)
        moved = previous is not None and pool.sqrt_price_x96 != previous.sqrt_price_x96
    return PoolObservation(
        chain_id=pool.chain_id, pool=pool.address, pair=pair, price=price,
        liquidity=liquidity, swap_count=1.0 if moved else 0.0, volume=volume,
    )
