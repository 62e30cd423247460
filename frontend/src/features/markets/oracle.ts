/** Reference prices from the chains' price-feed oracles, as the Markets page shows them. */
import type { Pool, Token } from "@/lib/api/types";

export interface ReferencePrice {
  chainId: number;
  address: string;
  symbol: string;
  usd: number;
  feed: string;
  /** The feed answer's updatedAt, ms since epoch. */
  updatedMs: number;
}

/** Tokens the engine has a reference price for, by chain then symbol. */
export function referencePrices(tokens: readonly Token[]): ReferencePrice[] {
  const out: ReferencePrice[] = [];
  for (const t of tokens) {
    if (t.usd_price === null || !Number.isFinite(t.usd_price)) continue;
    out.push({ chainId: t.chain_id, address: t.address, symbol: t.symbol, usd: t.usd_price, feed: t.usd_price_feed, updatedMs: t.usd_price_updated_unix * 1000 });
  }
  return out.sort((a, b) => a.chainId - b.chainId || a.symbol.localeCompare(b.symbol));
}

export function formatUsd(usd: number): string {
  const digits = usd >= 1000 ? 2 : usd >= 1 ? 4 : 6;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

/** Pools the engine reports off oracle, furthest first. */
export function offOraclePools(pools: readonly Pool[]): Pool[] {
  return pools.filter((p) => p.off_oracle).sort((a, b) => (b.oracle_deviation ?? 0) - (a.oracle_deviation ?? 0));
}
