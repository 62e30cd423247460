import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { engineStatus, processResources, stats } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import HealthPage from "./HealthPage";

const routes = [{ path: "/health", element: <HealthPage /> }];

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.unstubAllGlobals());

function cells(name: string): (string | null)[] {
  return within(screen.getByTestId(`resources-${name}`)).getAllByRole("cell").map((c) => c.textContent);
}

describe("System health", () => {
  it("shows the engine's and the gateway's resource use", async () => {
    stubGateway({
      "GET /api/v1/status": { status: 200, body: engineStatus() },
      "GET /api/v1/stats": { status: 200, body: stats() },
      "GET /api/v1/admin/resources": { status: 200, body: processResources() },
      "GET /api/v1/admin/websockets": { status: 200, body: { topics: [], clients: [] } },
      "GET /api/v1/admin/sessions": { status: 200, body: [] },
      "GET /api/v1/admin/users": { status: 200, body: [] },
    });
    renderApp(routes, { role: "admin", path: "/health" });
    await waitFor(() => expect(cells("engine")).toEqual(["engine", "300 MiB", "12.5 %", "42.3 s", "14", "31", "1 h 2 min"]));
    await waitFor(() => expect(cells("gateway")).toEqual(["gateway", "150 MiB", "12.5 %", "42.3 s", "9", "31", "1 h 2 min"]));
  });

  it("names what failed when the engine is down; the gateway's own figures stay", async () => {
    stubGateway({
      "GET /api/v1/stats": { status: 503, body: { detail: "engine unavailable: connection refused" } },
      "GET /api/v1/admin/resources": { status: 200, body: processResources() },
      "GET /api/v1/admin/websockets": { status: 200, body: { topics: [], clients: [] } },
      "GET /api/v1/admin/sessions": { status: 200, body: [] },
      "GET /api/v1/admin/users": { status: 200, body: [] },
    });
    renderApp(routes, { role: "admin", path: "/health" });
    await waitFor(() => expect(screen.getAllByTestId("request-error").map((e) => e.textContent)).toContain("Engine resource use: engine unavailable: connection refusedRetry"));
    expect(cells("engine")).toEqual(["engine", "—"]);
    await waitFor(() => expect(cells("gateway")[1]).toBe("150 MiB"));
  });
});
