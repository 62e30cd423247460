import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequireRole } from "@/lib/auth/RequireRole";
import { resetCatalog } from "@/hooks/useCatalog";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { opportunity, POOL_A, POOL_B, pools, simulation, tokens, trade } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import OpportunitiesPage from "./OpportunitiesPage";

const routes = [
  { path: "/opportunities", element: <RequireRole role="viewer"><OpportunitiesPage /></RequireRole> },
  { path: "/opportunities/:opportunityId", element: <RequireRole role="viewer"><OpportunitiesPage /></RequireRole> },
];

async function streamOpen() {
  await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(0));
  const socket = FakeWebSocket.latest();
  act(() => socket.accept());
  await waitFor(() => expect(socket.sentOfType("subscribe")).toHaveLength(1));
  return socket;
}

const rows = () => screen.getAllByTestId("opportunity-row");

beforeEach(() => {
  FakeWebSocket.reset();
  resetCatalog();
  stubGateway({
    "GET /api/v1/tokens": { status: 200, body: tokens },
    "GET /api/v1/pools": { status: 200, body: pools },
  });
});
afterEach(() => vi.unstubAllGlobals());

describe("Live opportunities", () => {
  it("fills from the snapshot and follows each chain's batches", async () => {
    renderApp(routes, { path: "/opportunities" });
    const socket = await streamOpen();
    expect(socket.sentOfType("subscribe")[0]).toEqual({ type: "subscribe", topics: ["opportunities"] });
    expect(screen.getByTestId("opportunities-empty")).toHaveTextContent("Waiting for the stream");

    act(() => {
      socket.receive({ type: "subscribed", topic: "opportunities", epoch: "e", seq: 1, replayed: 0, resync: false });
      socket.receive({
        type: "snapshot", topic: "opportunities", epoch: "e", seq: 1, dropped: 0,
        data: { opportunities: [opportunity({ id: "small", profit_net: "1000" }), opportunity({ id: "big", profit_net: "5000000000000000000" })] },
      });
    });
    await waitFor(() => expect(rows()).toHaveLength(2));
    // ranked by net profit, largest first; symbols and DEXes from the catalog
    expect(rows()[0]).toHaveAttribute("data-opportunity-id", "big");
    await waitFor(() => expect(within(rows()[0]!).getByText("WETH → USDC → WETH")).toBeInTheDocument());
    expect(within(rows()[0]!).getByText("uniswap, pancake")).toBeInTheDocument();
    expect(within(rows()[0]!).getByText("5 WETH")).toBeInTheDocument();

    act(() => {
      socket.receive({
        type: "event", topic: "opportunities", epoch: "e", seq: 2,
        data: { chain_id: 31337, block_number: 101, snapshot: false, opportunities: [opportunity({ id: "new", block_number: 101, profit_net: "-3" })] },
      });
    });
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveAttribute("data-opportunity-id", "new");
    expect(screen.getByTestId("opportunities-summary")).toHaveTextContent("seq 2");
  });

  it("sorts, filters, and opens the per-hop detail", async () => {
    renderApp(routes, { path: "/opportunities" });
    const socket = await streamOpen();
    act(() => {
      socket.receive({
        type: "snapshot", topic: "opportunities", epoch: "e", seq: 3,
        data: {
          opportunities: [
            opportunity({ id: "a", profit_net: "300", amount_in: "10" }),
            opportunity({ id: "b", profit_net: "-100", amount_in: "30" }),
            opportunity({ id: "c", profit_net: "200", amount_in: "20", chain_id: 5 }),
          ],
        },
      });
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["a", "c", "b"]);

    await userEvent.click(screen.getByRole("button", { name: "Size" }));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["b", "c", "a"]);
    await userEvent.click(screen.getByRole("button", { name: "Size" }));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["a", "c", "b"]);

    await userEvent.click(screen.getByLabelText("Net profit > 0 only"));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["a", "c"]);

    await userEvent.click(rows()[0]!);
    const detail = await screen.findByTestId("opportunity-detail");
    const hops = within(detail).getAllByTestId("hop-row");
    expect(hops).toHaveLength(2);
    expect(hops[0]).toHaveTextContent("uniswap V2 0.30 %");
    expect(hops[1]).toHaveTextContent("pancake V2 0.20 %");
    // a viewer watches only
    expect(within(detail).getByTestId("execute")).toBeDisabled();
    expect(within(detail).getByTestId("simulate")).toBeDisabled();
    void POOL_A;
    void POOL_B;
  });

  it("shows the models' score, anomaly flag and decision, and hides anomalous routes on request", async () => {
    renderApp(routes, { path: "/opportunities" });
    const socket = await streamOpen();
    const skipReason = `anomalous pool ${POOL_A} (anomaly score > 0.1602); scores: ${POOL_A} 0.3449, ${POOL_B} 0.0962`;
    act(() => {
      socket.receive({
        type: "snapshot", topic: "opportunities", epoch: "e", seq: 1,
        data: {
          opportunities: [
            opportunity({ id: "normal", profit_net: "300", model_score: 0.1047, model_decision: "pass", model_reason: "models: no anomaly; scores: …" }),
            opportunity({ id: "drained", profit_net: "900", model_score: 0.3449, anomalous: true, model_decision: "skip", model_reason: skipReason }),
            opportunity({ id: "young", profit_net: "100", model_decision: "pass", model_reason: "models: no anomaly (too little history for some pools); scores: …" }),
          ],
        },
      });
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const byId = (id: string) => rows().find((r) => r.dataset.opportunityId === id)!;
    expect(within(byId("drained")).getByTestId("model-score")).toHaveTextContent("0.345");
    expect(within(byId("drained")).getByTestId("anomaly-chip")).toHaveTextContent("anomalous");
    expect(within(byId("drained")).getByTestId("model-decision")).toHaveTextContent("skip");
    expect(within(byId("normal")).getByTestId("model-score")).toHaveTextContent("0.105");
    expect(within(byId("normal")).queryByTestId("anomaly-chip")).not.toBeInTheDocument();
    expect(within(byId("normal")).getByTestId("model-decision")).toHaveTextContent("pass");
    expect(within(byId("young")).getByTestId("model-score")).toHaveTextContent("—");

    // sorted by the model score, highest first; unscored last
    await userEvent.click(screen.getByRole("button", { name: "Model score" }));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["drained", "normal", "young"]);

    await userEvent.click(screen.getByLabelText("Hide anomalous"));
    expect(rows().map((r) => r.dataset.opportunityId)).toEqual(["normal", "young"]);
    await userEvent.click(screen.getByLabelText("Hide anomalous"));
    expect(rows()).toHaveLength(3);

    // the detail says what the strategy decided and why
    await userEvent.click(byId("drained"));
    const detail = await screen.findByTestId("opportunity-detail");
    const verdict = within(detail).getByTestId("model-verdict");
    expect(verdict).toHaveTextContent("Models: skipped by the strategy");
    expect(verdict).toHaveTextContent("score 0.345");
    expect(verdict).toHaveTextContent("anomalous");
    expect(within(detail).getByTestId("model-reason").textContent).toBe(skipReason);
  });

  it("says when the engine runs without models, and shows USD values when priced", async () => {
    renderApp(routes, { path: "/opportunities" });
    const socket = await streamOpen();
    act(() => {
      socket.receive({
        type: "snapshot", topic: "opportunities", epoch: "e", seq: 1,
        data: {
          opportunities: [
            opportunity({ id: "priced", profit_net_usd: 24.5, gas_cost_usd: 6.01 }),
            opportunity({ id: "unpriced", profit_net: "1" }),
          ],
        },
      });
    });
    await waitFor(() => expect(rows()).toHaveLength(2));
    const [priced, unpriced] = rows() as [HTMLElement, HTMLElement];
    expect(within(priced).getByTestId("profit-net-usd")).toHaveTextContent("$24.50");
    expect(within(unpriced).queryByTestId("profit-net-usd")).not.toBeInTheDocument();
    expect(within(unpriced).getByTestId("model-score")).toHaveAttribute("title", "the engine runs without models");

    await userEvent.click(priced);
    const detail = await screen.findByTestId("opportunity-detail");
    expect(within(detail).getByTestId("usd-values")).toHaveTextContent("In USD (reference prices): net $24.50, gas $6.01");
    expect(within(detail).getByTestId("model-verdict")).toHaveTextContent("the engine runs without models");
  });

  it("lets a trader simulate: the opportunity's block is sent, the result shown", async () => {
    const { calls } = stubGateway({
      "GET /api/v1/tokens": { status: 200, body: tokens },
      "GET /api/v1/pools": { status: 200, body: pools },
      "POST /api/v1/opportunities/x/simulate": ({ init }) => {
        expect(JSON.parse(String(init?.body))).toEqual({ block_number: 100 });
        return { status: 200, body: simulation({ opportunity_id: "x" }) };
      },
    });
    const detail = await openAsTrader();
    await userEvent.click(within(detail).getByTestId("simulate"));
    const result = await within(detail).findByTestId("simulation-result");
    expect(result).toHaveTextContent("Simulated at block 100: executable");
    expect(result).toHaveTextContent("net 0.008638 WETH");
    expect(calls).toContain("POST /api/v1/opportunities/x/simulate");
  });

  it("executes with a new idempotency key per click and shows the trade", async () => {
    const keys: string[] = [];
    stubGateway({
      "GET /api/v1/tokens": { status: 200, body: tokens },
      "GET /api/v1/pools": { status: 200, body: pools },
      "POST /api/v1/opportunities/x/execute": ({ init }) => {
        const headers = init?.headers as Record<string, string>;
        keys.push(headers["Idempotency-Key"] ?? "");
        expect(JSON.parse(String(init?.body))).toEqual({ block_number: 100 });
        return { status: 200, body: { trade: trade({ id: `t-${keys.length}`, status: "simulated", mode: "dry_run", final: true, tx_hash: "" }), duplicate: false } };
      },
    });
    const detail = await openAsTrader();
    await userEvent.click(within(detail).getByTestId("execute"));
    const result = await within(detail).findByTestId("execution-result");
    expect(result).toHaveTextContent("Trade t-1: simulated (dry_run)");
    expect(within(result).getByRole("link", { name: "Open trade" })).toHaveAttribute("href", "/trades/t-1");
    await userEvent.click(within(detail).getByTestId("execute"));
    await waitFor(() => expect(within(detail).getByTestId("execution-result")).toHaveTextContent("Trade t-2"));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it("says when the key was used before", async () => {
    stubGateway({
      "GET /api/v1/tokens": { status: 200, body: tokens },
      "GET /api/v1/pools": { status: 200, body: pools },
      "POST /api/v1/opportunities/x/execute": { status: 200, body: { trade: trade({ id: "t-9" }), duplicate: true } },
    });
    const detail = await openAsTrader();
    await userEvent.click(within(detail).getByTestId("execute"));
    expect(await within(detail).findByTestId("execution-result")).toHaveTextContent("this key was used before");
  });

  it("shows the engine's 409 reason verbatim", async () => {
    const reason = "execution is not configured (no `execution` in the config)";
    stubGateway({
      "GET /api/v1/tokens": { status: 200, body: tokens },
      "GET /api/v1/pools": { status: 200, body: pools },
      "POST /api/v1/opportunities/x/execute": { status: 409, body: { detail: reason } },
      "POST /api/v1/opportunities/x/simulate": { status: 409, body: { detail: "opportunity_id: stale: block 100 is not the head (101)" } },
    });
    const detail = await openAsTrader();
    await userEvent.click(within(detail).getByTestId("execute"));
    const refused = await within(detail).findByTestId("execution-refused");
    expect(refused).toHaveTextContent("Execution refused by the engine");
    expect(within(refused).getByTestId("refusal-reason").textContent).toBe(reason);
    expect(within(detail).queryByTestId("execution-result")).not.toBeInTheDocument();

    await userEvent.click(within(detail).getByTestId("simulate"));
    await waitFor(() =>
      expect(within(detail).getByTestId("refusal-reason").textContent).toBe("opportunity_id: stale: block 100 is not the head (101)"),
    );
    expect(within(detail).getByTestId("execution-refused")).toHaveTextContent("Simulation refused by the engine");
  });
});

async function openAsTrader() {
  renderApp(routes, { path: "/opportunities", role: "trader" });
  const socket = await streamOpen();
  act(() => {
    socket.receive({ type: "snapshot", topic: "opportunities", epoch: "e", seq: 1, data: { opportunities: [opportunity({ id: "x" })] } });
  });
  await userEvent.click((await screen.findAllByTestId("opportunity-row"))[0]!);
  const detail = await screen.findByTestId("opportunity-detail");
  expect(within(detail).getByTestId("execute")).toBeEnabled();
  expect(within(detail).getByTestId("simulate")).toBeEnabled();
  return detail;
}
