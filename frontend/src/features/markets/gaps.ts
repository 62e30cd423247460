/** Price gaps between DEXes: the same token pair priced by pools of different DEXes. */
import type { Pool } from "@/lib/api/types";

export interface PriceGap {
  chainId: number;
  token0: string;
  token1: string;
  low: { pool: string; dex: string; price: number };
  high: { pool: string; dex: string; price: number };
  /** (high - low) / low */
  gap: number;
}

/** `priceOf` gives the latest price (token1 per token0) of a pool, or undefined. */
export function priceGaps(pools: readonly Pool[], priceOf: (pool: Pool) => number | undefined): PriceGap[] {
  const byPair = new Map<string, { pool: Pool; price: number }[]>();
  for (const pool of pools) {
    const price = priceOf(pool);
    if (price === undefined || !Number.isFinite(price) || price <= 0) continue;
    // token0 < token1 in every Uniswap-style pool, so one pair has one orientation
    const key = `${pool.chain_id}:${pool.token0.toLowerCase()}:${pool.token1.toLowerCase()}`;
    const list = byPair.get(key) ?? [];
    list.push({ pool, price });
    byPair.set(key, list);
  }
  const gaps: PriceGap[] = [];
  for (const list of byPair.values()) {
    if (list.length < 2) continue;
    let low = list[0]!;
    let high = list[0]!;
    for (const entry of list) {
      if (entry.price < low.price) low = entry;
      if (entry.price > high.price) high = entry;
    }
    if (low.pool.dex === high.pool.dex && low.pool.address === high.pool.address) continue;
    gaps.push({
      chainId: low.pool.chain_id,
      token0: low.pool.token0,
      token1: low.pool.token1,
      low: { pool: low.pool.address, dex: `${low.pool.dex} ${low.pool.kind}`, price: low.price },
      high: { pool: high.pool.address, dex: `${high.pool.dex} ${high.pool.kind}`, price: high.price },
      gap: (high.price - low.price) / low.price,
    });
  }
  return gaps.sort((a, b) => b.gap - a.gap);
}
