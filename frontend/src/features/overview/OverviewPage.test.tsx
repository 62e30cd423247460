import { act, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetCatalog } from "@/hooks/useCatalog";
import { report } from "@/lib/connectivity";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { engineStatus, riskState, stats, statsWithoutExecution, tokens } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import OverviewPage from "./OverviewPage";

const routes = [{ path: "/", element: <OverviewPage /> }];
// WETH is the chain's native token here: gas is shown in it
const catalog = tokens.map((t) => (t.symbol === "WETH" ? { ...t, is_native: true } : t));

async function statusStream() {
  await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(0));
  const socket = FakeWebSocket.latest();
  act(() => socket.accept());
  await waitFor(() => expect(socket.sentOfType("subscribe")).toHaveLength(1));
  act(() => socket.receive({ type: "snapshot", topic: "status", epoch: "e", seq: 1, data: engineStatus() }));
}

beforeEach(() => {
  FakeWebSocket.reset();
  report.reset();
  resetCatalog();
});
afterEach(() => vi.unstubAllGlobals());

describe("Overview", () => {
  it("shows the execution mode and the kill switch, PnL per token, trades, gas and latencies", async () => {
    const queries: URLSearchParams[] = [];
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/risk-limits": { status: 200, body: riskState({ mode: "live", limits: { ...riskState().limits, kill_switch: true } }) },
      "GET /api/v1/tokens": { status: 200, body: catalog },
      "GET /api/v1/pools": { status: 200, body: [] },
      "GET /api/v1/stats": ({ url }) => {
        queries.push(url.searchParams);
        return { status: 200, body: stats() };
      },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    await waitFor(() => expect(screen.getByTestId("engine-mode")).toHaveTextContent("mode: watch · execution live · KILL SWITCH ON"));
    // only the newest series point: the Overview shows no chart
    await waitFor(() => expect(queries[0]?.get("max_points")).toBe("1"));

    const rows = await screen.findAllByTestId("pnl-row");
    expect(rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent))).toEqual([
      ["WETH chain 31337", "0.0075 WETH", "1.0075 WETH", "3.0075 WETH"],
      ["USDC chain 31337", "-1.5 USDC", "2.5 USDC", "12,345.678901 USDC"],
    ]);
    // a loss shows as one
    expect(within(rows[1]!).getByText("-1.5 USDC")).toHaveStyle({ color: "rgb(244, 67, 54)" });
    await waitFor(() =>
      expect(within(screen.getByTestId("gas-row")).getAllByRole("cell").map((c) => c.textContent)).toEqual([
        "chain 31337",
        "0.000271 WETH", // 6 digits, cut (never rounded up)
        "0.001086 WETH",
        "0.002172 WETH",
      ]),
    );
    expect(screen.getByTestId("stat-in-flight")).toHaveTextContent("1");
    expect(screen.getByTestId("stat-success-rate")).toHaveTextContent("75.0 %6 mined · 1 reverted · 1 dropped");
    expect(screen.getByTestId("stat-trades-today")).toHaveTextContent("412 in all");
    expect(screen.getByTestId("stat-opportunities-today")).toHaveTextContent("1,23456,789 stored");
    expect(screen.getByTestId("latency-block_to_opportunities")).toHaveTextContent("latency: block → opportunitiesp50 1.23 msp99 4.57 ms · 5,000 samples");
    expect(screen.getByTestId("latency-opportunity_to_send")).toHaveTextContent("no samples yet");
    expect(screen.getByTestId("latency-send_to_mined")).toHaveTextContent("p50 1250 msp99 2100 ms · 7 samples");
    expect(screen.queryByTestId("execution-off")).toBeNull();
    expect(screen.queryByTestId("stat-usd")).toBeNull(); // no reference prices
  });

  it("values the PnL in USD when the engine prices it, and says when it is incomplete", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/risk-limits": { status: 200, body: riskState() },
      "GET /api/v1/stats": { status: 200, body: stats({ usd: { today: 12.5, last_7d: -3.25, all_time: 1042, complete: false } }) },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    expect(await screen.findByTestId("stat-usd")).toHaveTextContent("$12.50 today7 days $-3.25 · all $1042.00 · some amounts had no price");
  });

  it("says execution is off instead of zeros, and keeps the engine's own mode", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/risk-limits": { status: 409, body: { detail: "execution is not configured (no `execution` in the config)" } },
      "GET /api/v1/stats": { status: 200, body: statsWithoutExecution() },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    await waitFor(() => expect(screen.getByTestId("engine-mode")).toHaveTextContent("mode: watch"));
    expect(screen.getByTestId("engine-mode")).not.toHaveTextContent("execution");
    expect(await screen.findByTestId("execution-off")).toHaveTextContent("PnL, trades and gas: execution is not configured on the engine.");
    expect(screen.queryByTestId("pnl-table")).toBeNull();
    expect(screen.queryByTestId("stat-in-flight")).toBeNull();
    // what the engine measures without trading is still there
    expect(screen.getByTestId("latency-block_to_opportunities")).toHaveTextContent("p50 1.23 ms");
    expect(screen.getByTestId("stat-opportunities-today")).toHaveTextContent("1,234");
  });

  it("shows why the statistics are missing when the engine is down", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/stats": { status: 503, body: { detail: "engine unavailable: connection refused" } },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    expect(await screen.findByTestId("request-error")).toHaveTextContent("PnL, success rate, gas and latency");
    expect(screen.queryByTestId("pnl-table")).toBeNull();
  });
});
