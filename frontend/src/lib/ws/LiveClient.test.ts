import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { LiveClient } from "./LiveClient";
import type { DataMessage } from "./protocol";

function client(overrides: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
  return new LiveClient({
    url: "ws://gateway.test/ws",
    token: async () => "tok",
    webSocket: FakeWebSocket as unknown as typeof WebSocket,
    initialBackoffMs: 100,
    maxBackoffMs: 1_000,
    random: () => 1,
    ...overrides,
  });
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe("LiveClient", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("authenticates first, then subscribes each topic once for all listeners", async () => {
    const live = client();
    const a = vi.fn();
    const b = vi.fn();
    live.subscribe("opportunities", a);
    live.subscribe("opportunities", b);
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    expect(socket.sent[0]).toEqual({ type: "auth", token: "tok" });
    expect(socket.sentOfType("subscribe")).toEqual([{ type: "subscribe", topics: ["opportunities"] }]);
    expect(live.link.get().state).toBe("live");

    socket.receive({ type: "subscribed", topic: "opportunities", epoch: "e1", seq: 4, replayed: 0, resync: false });
    socket.receive({ type: "snapshot", topic: "opportunities", epoch: "e1", seq: 4, data: { opportunities: [] }, dropped: 0 });
    socket.receive({ type: "event", topic: "opportunities", epoch: "e1", seq: 5, data: { chain_id: 1, opportunities: [] } });
    expect(a).toHaveBeenCalledTimes(2);
    expect(b).toHaveBeenCalledTimes(2);
    expect(live.topicStatus("opportunities").get()).toMatchObject({ availability: "ok", epoch: "e1", seq: 5 });
  });

  it("drops duplicates and asks for a snapshot after a gap", async () => {
    const live = client();
    const seen: number[] = [];
    live.subscribe("prices", (m: DataMessage) => seen.push(m.seq));
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    socket.receive({ type: "subscribed", topic: "prices", epoch: "e1", seq: 0, replayed: 0, resync: false });
    socket.receive({ type: "event", topic: "prices", epoch: "e1", seq: 1, data: {} });
    socket.receive({ type: "event", topic: "prices", epoch: "e1", seq: 1, data: {} });
    socket.receive({ type: "event", topic: "prices", epoch: "e1", seq: 3, data: {} });
    expect(seen).toEqual([1]);
    expect(socket.sent.slice(-2)).toEqual([
      { type: "unsubscribe", topics: ["prices"] },
      { type: "subscribe", topics: ["prices"] },
    ]);
    expect(live.topicStatus("prices").get().resyncs).toBe(1);
  });

  it("reconnects with backoff and resumes every topic from its last sequence number", async () => {
    const live = client();
    live.subscribe("opportunities", () => undefined);
    live.start();
    await flush();
    const first = FakeWebSocket.latest();
    first.accept();
    first.receive({ type: "subscribed", topic: "opportunities", epoch: "e1", seq: 7, replayed: 0, resync: false });
    first.receive({ type: "snapshot", topic: "opportunities", epoch: "e1", seq: 7, data: { opportunities: [] } });
    first.receive({ type: "event", topic: "opportunities", epoch: "e1", seq: 8, data: { chain_id: 1, opportunities: [] } });

    first.drop();
    expect(live.link.get()).toMatchObject({ state: "reconnecting", attempt: 1 });
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    second.drop(); // still down: the next wait doubles
    expect(live.link.get()).toMatchObject({ state: "reconnecting", attempt: 2 });
    await vi.advanceTimersByTimeAsync(150);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(50);
    const third = FakeWebSocket.latest();
    expect(FakeWebSocket.instances).toHaveLength(3);
    third.accept();
    expect(third.sentOfType("subscribe")).toEqual([
      { type: "subscribe", topics: ["opportunities"], resume: { opportunities: { epoch: "e1", seq: 8 } } },
    ]);
    expect(live.link.get()).toMatchObject({ state: "live", attempt: 0 });
    // the gateway replays what was missed, in order
    third.receive({ type: "subscribed", topic: "opportunities", epoch: "e1", seq: 10, replayed: 2, resync: false });
    third.receive({ type: "event", topic: "opportunities", epoch: "e1", seq: 9, data: { chain_id: 1, opportunities: [] } });
    third.receive({ type: "event", topic: "opportunities", epoch: "e1", seq: 10, data: { chain_id: 1, opportunities: [] } });
    expect(live.topicStatus("opportunities").get()).toMatchObject({ seq: 10, resyncs: 0 });
  });

  it("takes the snapshot when the gateway restarted (another epoch)", async () => {
    const live = client();
    const kinds: string[] = [];
    live.subscribe("status", (m) => kinds.push(m.type));
    live.start();
    await flush();
    let socket = FakeWebSocket.latest();
    socket.accept();
    socket.receive({ type: "subscribed", topic: "status", epoch: "old", seq: 3, replayed: 0, resync: false });
    socket.receive({ type: "snapshot", topic: "status", epoch: "old", seq: 3, data: {} });
    socket.drop(1001, "gateway stopping");
    await vi.advanceTimersByTimeAsync(100);
    socket = FakeWebSocket.latest();
    socket.accept();
    socket.receive({ type: "subscribed", topic: "status", epoch: "new", seq: 1, replayed: 0, resync: true });
    socket.receive({ type: "snapshot", topic: "status", epoch: "new", seq: 1, data: {} });
    socket.receive({ type: "event", topic: "status", epoch: "new", seq: 2, data: {} });
    expect(kinds).toEqual(["snapshot", "snapshot", "event"]);
    expect(live.topicStatus("status").get()).toMatchObject({ epoch: "new", seq: 2, resyncs: 1 });
  });

  it("marks a silent link stale and live again on the next message", async () => {
    const live = client({ staleAfterMs: 3_000 });
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    await vi.advanceTimersByTimeAsync(4_500);
    expect(live.link.get().state).toBe("stale");
    socket.receive({ type: "heartbeat" });
    expect(live.link.get().state).toBe("live");
  });

  it("reports a topic the gateway has no stream for as unavailable", async () => {
    const live = client();
    live.subscribe("trades", () => undefined);
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    socket.receive({ type: "error", code: "not_implemented", message: "needs EngineService.StreamTrades", topic: "trades" });
    expect(live.topicStatus("trades").get()).toMatchObject({ availability: "unavailable", message: "needs EngineService.StreamTrades" });
  });

  it("reports a stream the engine refuses, stays subscribed, and recovers with the first event", async () => {
    const live = client();
    const listener = vi.fn();
    live.subscribe("trades", listener);
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    socket.receive({ type: "subscribed", topic: "trades", epoch: "e1", seq: 0, replayed: 0, resync: false });
    const reason = "engine: execution is not configured (no `execution` in the config)";
    socket.receive({ type: "error", code: "upstream_refused", message: reason, topic: "trades" });
    expect(live.topicStatus("trades").get()).toMatchObject({ availability: "refused", message: reason });
    // the gateway keeps the subscription and retries the engine: nothing to send again
    expect(socket.sentOfType("subscribe")).toHaveLength(1);
    expect(socket.sentOfType("unsubscribe")).toHaveLength(0);

    socket.receive({ type: "event", topic: "trades", epoch: "e1", seq: 1, data: { trade: null, snapshot: true, dropped: 0 } });
    expect(live.topicStatus("trades").get()).toMatchObject({ availability: "ok", message: null, seq: 1 });
    expect(listener).toHaveBeenCalledOnce();
  });

  it("gets a new token after close 4001 and stops when there is none", async () => {
    const reauthenticate = vi.fn(async () => null);
    const live = client({ reauthenticate });
    live.start();
    await flush();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().drop(4001, "token expired");
    await flush();
    expect(reauthenticate).toHaveBeenCalledOnce();
    expect(live.link.get()).toMatchObject({ state: "closed", reason: "signed out" });
  });

  it("unsubscribes on the wire when the last listener leaves", async () => {
    const live = client();
    const stopA = live.subscribe("prices", () => undefined);
    const stopB = live.subscribe("prices", () => undefined);
    live.start();
    await flush();
    const socket = FakeWebSocket.latest();
    socket.accept();
    stopA();
    expect(socket.sentOfType("unsubscribe")).toHaveLength(0);
    stopB();
    expect(socket.sentOfType("unsubscribe")).toEqual([{ type: "unsubscribe", topics: ["prices"] }]);
  });
});
