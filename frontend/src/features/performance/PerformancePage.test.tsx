import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { stats, statsWithoutExecution } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import PerformancePage from "./PerformancePage";

const routes = [{ path: "/performance", element: <PerformancePage /> }];

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.unstubAllGlobals());

describe("Performance", () => {
  it("charts one start token at a time, the most traded first, and one latency stage at a time", async () => {
    stubGateway({ "GET /api/v1/stats": { status: 200, body: stats() } });
    renderApp(routes, { path: "/performance" });
    expect(await screen.findByTestId("chart-pnl")).toHaveTextContent("Cumulative PnL (WETH (chain 31337))");
    expect(screen.getByTestId("chart-profit-histogram")).toHaveTextContent("Profit per trade (WETH (chain 31337))");
    expect(screen.getByTestId("chart-latency")).toHaveTextContent("Latency percentiles per minute (ms): block → opportunities");

    await userEvent.click(screen.getByRole("button", { name: "USDC (chain 31337)" }));
    expect(screen.getByTestId("chart-pnl")).toHaveTextContent("Cumulative PnL (USDC (chain 31337))");
    expect(screen.getByTestId("chart-profit-histogram")).toHaveTextContent("Profit per trade (USDC (chain 31337))");
    await userEvent.click(screen.getByRole("button", { name: "sent → mined" }));
    expect(screen.getByTestId("chart-latency")).toHaveTextContent("(ms): sent → mined");
    expect(screen.queryByTestId("execution-off")).toBeNull();
  });

  it("says execution is off instead of empty PnL charts, and still charts latency", async () => {
    stubGateway({ "GET /api/v1/stats": { status: 200, body: statsWithoutExecution() } });
    renderApp(routes, { path: "/performance" });
    expect(await screen.findByTestId("execution-off")).toHaveTextContent("PnL and profit distribution: execution is not configured on the engine.");
    expect(screen.queryByTestId("chart-pnl")).toBeNull();
    expect(screen.getByTestId("chart-latency")).toBeInTheDocument();
  });

  it("waits for the first settled trade before charting PnL", async () => {
    stubGateway({ "GET /api/v1/stats": { status: 200, body: stats({ pnl: [], gas: [], pnl_series: [] }) } });
    renderApp(routes, { path: "/performance" });
    expect(await screen.findByTestId("no-trades")).toHaveTextContent("No trade mined or reverted yet");
    await waitFor(() => expect(screen.queryByTestId("chart-pnl")).toBeNull());
  });
});
