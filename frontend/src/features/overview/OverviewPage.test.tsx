import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import PerformancePage from "@/features/performance/PerformancePage";
import { report } from "@/lib/connectivity";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { engineStatus, riskState } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import OverviewPage from "./OverviewPage";

const routes = [
  { path: "/", element: <OverviewPage /> },
  { path: "/performance", element: <PerformancePage /> },
];

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
});
afterEach(() => vi.unstubAllGlobals());

describe("Overview and the routes still to come", () => {
  it("shows the execution mode and the kill switch; statistics are not available yet", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/risk-limits": { status: 200, body: riskState({ mode: "live", limits: { ...riskState().limits, kill_switch: true } }) },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    await waitFor(() => expect(screen.getByTestId("engine-mode")).toHaveTextContent("mode: watch · execution live · KILL SWITCH ON"));
    expect(await screen.findByTestId("not-available")).toHaveTextContent("PnL, success rate, gas and latency: not available yet");
  });

  it("keeps the engine's own mode when it runs without execution", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/risk-limits": { status: 409, body: { detail: "execution is not configured (no `execution` in the config)" } },
    });
    renderApp(routes, { path: "/" });
    await statusStream();
    await waitFor(() => expect(screen.getByTestId("engine-mode")).toHaveTextContent("mode: watch"));
    expect(screen.getByTestId("engine-mode")).not.toHaveTextContent("execution");
  });

  it("answers 'not available yet' for performance (its route is 501)", async () => {
    stubGateway({});
    renderApp(routes, { path: "/performance" });
    expect(await screen.findByTestId("not-available")).toHaveTextContent("Performance series: not available yet — not implemented");
  });
});
