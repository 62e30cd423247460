import { describe, expect, it } from "vitest";
import { opportunity, trade } from "@/test/fixtures";
import type { DataMessage } from "./protocol";
import { poolKey, TOPICS } from "./topics";

const msg = (type: "event" | "snapshot", seq: number, data: unknown): DataMessage => ({ type, topic: "t", epoch: "e", seq, data, ts: 1_000 * seq });

describe("topic reducers", () => {
  it("opportunities: a snapshot replaces every chain, an event replaces its chain", () => {
    const { initial, reduce } = TOPICS.opportunities;
    let state = reduce(initial(), msg("snapshot", 1, { opportunities: [opportunity({ id: "a", chain_id: 1 }), opportunity({ id: "b", chain_id: 2 })] }));
    expect([...state.byChain.keys()]).toEqual([1, 2]);
    state = reduce(state, msg("event", 2, { chain_id: 1, block_number: 5, opportunities: [], snapshot: false, dropped: 2 }));
    expect(state.byChain.get(1)?.opportunities).toEqual([]);
    expect(state.byChain.get(2)?.opportunities.map((o) => o.id)).toEqual(["b"]);
    expect(state.dropped).toBe(2);
  });

  it("prices: keeps the latest price per pool and a bounded history", () => {
    const { initial, reduce } = TOPICS.prices;
    let state = initial();
    for (let i = 1; i <= 3; i++) {
      state = reduce(state, msg("event", i, { chain_id: 1, block_number: i, prices: [{ chain_id: 1, pool: "0xAB", kind: "v2", price: i }], published_unix_nanos: i * 1e9 }));
    }
    expect(state.latest.get(poolKey(1, "0xab"))).toMatchObject({ price: 3, block_number: 3 });
    expect(state.history.get(poolKey(1, "0xab"))?.map((p) => p.price)).toEqual([1, 2, 3]);
  });

  it("trades: a snapshot lists the trades in flight, each update adds, moves or ends one", () => {
    const { initial, reduce } = TOPICS.trades;
    let state = reduce(initial(), msg("snapshot", 1, { trades: [trade({ id: "a", status: "sent", final: false })] }));
    expect([...state.inFlight.keys()]).toEqual(["a"]);
    state = reduce(state, msg("event", 2, { trade: trade({ id: "b", status: "created", final: false }), snapshot: false, dropped: 0 }));
    state = reduce(state, msg("event", 3, { trade: trade({ id: "b", status: "simulated", final: false }), snapshot: false, dropped: 1 }));
    expect(state.inFlight.get("b")?.status).toBe("simulated");
    state = reduce(state, msg("event", 4, { trade: trade({ id: "a", status: "mined", final: true }), snapshot: false, dropped: 0 }));
    expect([...state.inFlight.keys()]).toEqual(["b"]);
    expect(state.last).toMatchObject({ id: "a", status: "mined" });
    expect(state.dropped).toBe(1);
    expect(state.updatedAt).toBe(4_000);
  });
});
