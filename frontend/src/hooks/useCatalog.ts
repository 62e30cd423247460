/**
 * Tokens and pools by address, to show symbols, decimals and DEX names next to
 * the raw addresses the streams carry. Loaded once per page and shared.
 */
import { useSyncExternalStore } from "react";
import { api } from "@/lib/api/endpoints";
import type { Pool, Token } from "@/lib/api/types";
import { Observable } from "@/lib/store";

export interface Catalog {
  tokens: ReadonlyMap<string, Token>;
  pools: ReadonlyMap<string, Pool>;
  loaded: boolean;
}

const key = (chainId: number, address: string) => `${chainId}:${address.toLowerCase()}`;
const empty: Catalog = { tokens: new Map(), pools: new Map(), loaded: false };
const store = new Observable<Catalog>(empty);
let loading: Promise<void> | null = null;
let loadedAt = 0;
const MAX_AGE_MS = 60_000;

async function load(): Promise<void> {
  try {
    const [tokens, pools] = await Promise.all([api.tokens(), api.pools()]);
    store.set({
      tokens: new Map(tokens.map((t) => [key(t.chain_id, t.address), t])),
      pools: new Map(pools.map((p) => [key(p.chain_id, p.address), p])),
      loaded: true,
    });
    loadedAt = Date.now();
  } catch {
    // the views show the addresses; the next mount tries again
  }
}

function refresh(): void {
  if (loading === null && Date.now() - loadedAt > MAX_AGE_MS) {
    loading = load().finally(() => {
      loading = null;
    });
  }
}

export function useCatalog(): Catalog & {
  token(chainId: number, address: string): Token | undefined;
  pool(chainId: number, address: string): Pool | undefined;
  symbol(chainId: number, address: string): string;
} {
  const catalog = useSyncExternalStore(
    (listener) => {
      refresh();
      return store.subscribe(listener);
    },
    store.get,
  );
  return {
    ...catalog,
    token: (chainId, address) => catalog.tokens.get(key(chainId, address)),
    pool: (chainId, address) => catalog.pools.get(key(chainId, address)),
    symbol: (chainId, address) => catalog.tokens.get(key(chainId, address))?.symbol ?? `${address.slice(0, 6)}…`,
  };
}

/** Forget everything (sign-out, tests). */
export function resetCatalog(): void {
  store.set(empty);
  loadedAt = 0;
}
