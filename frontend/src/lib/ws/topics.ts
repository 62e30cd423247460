/**
 * What each topic's messages mean: one reducer per topic, from the gateway's
 * snapshot/event bodies (gateway/ws/topics.py) to the state views read.
 */
import type { EngineStatus, Opportunity, PoolPrice, Trade, TradesSnapshot, TradeUpdate } from "../api/types";
import type { DataMessage, TopicName } from "./protocol";

export interface ChainOpportunities {
  chain_id: number;
  block_number: number;
  opportunities: Opportunity[];
}

export interface OpportunitiesState {
  byChain: ReadonlyMap<number, ChainOpportunities>;
  /** Server time (ms) of the last update. */
  updatedAt: number | null;
  /** Batches the gateway or engine conflated before we saw them. */
  dropped: number;
}

export interface PricePoint {
  t: number;
  price: number;
}

export interface LivePrice extends PoolPrice {
  block_number: number | null;
}

export interface PricesState {
  latest: ReadonlyMap<string, LivePrice>;
  /** Prices seen since this page subscribed, per pool, oldest first (bounded). */
  history: ReadonlyMap<string, readonly PricePoint[]>;
  updatedAt: number | null;
}

export interface ListState<T> {
  items: readonly T[];
  updatedAt: number | null;
}

export interface TradesState {
  /** The trades in flight, by id; a trade leaves once final (mined, reverted, ...). */
  inFlight: ReadonlyMap<string, Trade>;
  /** The trade of the latest event (final or not). */
  last: Trade | null;
  /** Server time (ms) of the last update. */
  updatedAt: number | null;
  /** Updates the engine dropped for the gateway before we saw them. */
  dropped: number;
}

export interface TopicStates {
  status: EngineStatus | null;
  opportunities: OpportunitiesState;
  prices: PricesState;
  trades: TradesState;
  predictions: ListState<unknown>;
}

type Reducer<S> = (state: S, message: DataMessage) => S;

export const HISTORY_POINTS = 600;
const LIST_ITEMS = 500;

export const poolKey = (chainId: number, pool: string): string => `${chainId}:${pool.toLowerCase()}`;

interface OpportunityBody {
  chain_id?: number;
  block_number?: number;
  opportunities?: Opportunity[];
  snapshot?: boolean;
  dropped?: number;
}

function groupByChain(list: Opportunity[]): Map<number, ChainOpportunities> {
  const byChain = new Map<number, ChainOpportunities>();
  for (const o of list) {
    const chain = byChain.get(o.chain_id) ?? { chain_id: o.chain_id, block_number: 0, opportunities: [] };
    chain.opportunities.push(o);
    chain.block_number = Math.max(chain.block_number, o.block_number);
    byChain.set(o.chain_id, chain);
  }
  return byChain;
}

const opportunities: Reducer<OpportunitiesState> = (state, message) => {
  const body = (message.data ?? {}) as OpportunityBody;
  const list = body.opportunities ?? [];
  if (message.type === "snapshot" || body.snapshot === true || body.chain_id === undefined) {
    return { byChain: groupByChain(list), updatedAt: message.ts, dropped: state.dropped + (message.dropped ?? 0) };
  }
  const byChain = new Map(state.byChain);
  byChain.set(body.chain_id, { chain_id: body.chain_id, block_number: body.block_number ?? 0, opportunities: list });
  return { byChain, updatedAt: message.ts, dropped: state.dropped + (body.dropped ?? 0) };
};

interface PriceBody {
  chain_id?: number;
  block_number?: number;
  prices?: PoolPrice[];
  snapshot?: boolean;
  published_unix_nanos?: number;
}

const prices: Reducer<PricesState> = (state, message) => {
  const body = (message.data ?? {}) as PriceBody;
  const replace = message.type === "snapshot" || body.snapshot === true;
  const latest = new Map(replace && message.type === "snapshot" ? [] : state.latest);
  const history = new Map(state.history);
  const t = body.published_unix_nanos ? body.published_unix_nanos / 1e6 : message.ts;
  for (const price of body.prices ?? []) {
    const key = poolKey(price.chain_id, price.pool);
    latest.set(key, { ...price, block_number: body.block_number ?? null });
    const points = history.get(key) ?? [];
    const last = points[points.length - 1];
    if (last === undefined || last.price !== price.price || t - last.t > 60_000) {
      const next = points.length >= HISTORY_POINTS ? points.slice(points.length - HISTORY_POINTS + 1) : points.slice();
      next.push({ t, price: price.price });
      history.set(key, next);
    }
  }
  return { latest, history, updatedAt: message.ts };
};

/** Snapshot: `{trades}` (those in flight); event: one TradeUpdate. */
const trades: Reducer<TradesState> = (state, message) => {
  if (message.type === "snapshot") {
    const body = (message.data ?? {}) as Partial<TradesSnapshot>;
    const inFlight = new Map((body.trades ?? []).filter((t) => !t.final).map((t) => [t.id, t] as const));
    return { inFlight, last: state.last, updatedAt: message.ts, dropped: state.dropped + (message.dropped ?? 0) };
  }
  const update = (message.data ?? {}) as Partial<TradeUpdate>;
  const trade = update.trade ?? null;
  const inFlight = new Map(state.inFlight);
  if (trade !== null) {
    if (trade.final) inFlight.delete(trade.id);
    else inFlight.set(trade.id, trade);
  }
  return { inFlight, last: trade ?? state.last, updatedAt: message.ts, dropped: state.dropped + (update.dropped ?? 0) };
};

const status: Reducer<EngineStatus | null> = (_state, message) => (message.data as EngineStatus | null) ?? null;

function list<T>(state: ListState<T>, message: DataMessage): ListState<T> {
  const data = message.data;
  const incoming = (Array.isArray(data) ? data : [data]) as T[];
  const items = message.type === "snapshot" ? incoming : [...incoming, ...state.items].slice(0, LIST_ITEMS);
  return { items, updatedAt: message.ts };
}

export const TOPICS: { [K in TopicName]: { initial: () => TopicStates[K]; reduce: Reducer<TopicStates[K]> } } = {
  status: { initial: () => null, reduce: status },
  opportunities: { initial: () => ({ byChain: new Map(), updatedAt: null, dropped: 0 }), reduce: opportunities },
  prices: { initial: () => ({ latest: new Map(), history: new Map(), updatedAt: null }), reduce: prices },
  trades: { initial: () => ({ inFlight: new Map(), last: null, updatedAt: null, dropped: 0 }), reduce: trades },
  predictions: { initial: () => ({ items: [], updatedAt: null }), reduce: list },
};
