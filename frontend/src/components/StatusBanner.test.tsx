import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionIndicator } from "@/components/ConnectionIndicator";
import { report } from "@/lib/connectivity";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import { StatusBanner } from "./StatusBanner";

const routes = [
  {
    path: "/",
    element: (
      <>
        <ConnectionIndicator />
        <StatusBanner />
        <p>the page</p>
      </>
    ),
  },
];

beforeEach(() => {
  FakeWebSocket.reset();
  report.reset();
  stubGateway({ "GET /ready": { status: 200, body: { status: "ok", engine: true, database: true } } });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("connection state and the banner", () => {
  it("shows live, then a reconnect banner while the stream is down, and clears it on resume", async () => {
    renderApp(routes);
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    const first = FakeWebSocket.latest();
    act(() => first.accept());
    expect(screen.getByTestId("connection-state")).toHaveAttribute("data-state", "live");
    expect(screen.queryByTestId("status-banner")).not.toBeInTheDocument();

    vi.useFakeTimers({ shouldAdvanceTime: true });
    act(() => first.drop());
    expect(screen.getByTestId("connection-state")).toHaveAttribute("data-state", "reconnecting");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_500); // past the grace period; retries keep failing
      for (const socket of FakeWebSocket.instances.slice(1)) socket.drop();
      await vi.advanceTimersByTimeAsync(1_000);
    });
    const banner = await screen.findByTestId("status-banner");
    expect(banner).toHaveTextContent(/Live stream lost .* reconnecting/);
    expect(screen.getByText("the page")).toBeInTheDocument(); // the view stays

    await userEvent.click(screen.getByRole("button", { name: "Retry now" }), { advanceTimers: vi.advanceTimersByTime });
    const last = FakeWebSocket.latest();
    act(() => last.accept());
    await waitFor(() => expect(screen.queryByTestId("status-banner")).not.toBeInTheDocument());
    expect(screen.getByTestId("connection-state")).toHaveAttribute("data-state", "live");
  });

  it("says clearly when the engine is down and when the gateway is", async () => {
    renderApp(routes);
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().accept());
    act(() => report.engineDown("engine unavailable: connection refused"));
    expect(await screen.findByTestId("status-banner")).toHaveAttribute("data-kind", "engine-down");
    expect(screen.getByTestId("status-banner")).toHaveTextContent("The engine is unavailable");
    expect(screen.getByTestId("status-banner")).toHaveTextContent("connection refused");
    expect(screen.getByTestId("connection-state")).toHaveAttribute("data-state", "stale");
    act(() => report.gatewayDown("the gateway does not answer"));
    expect(screen.getByTestId("status-banner")).toHaveAttribute("data-kind", "gateway-down");
    act(() => report.engineUp());
    await waitFor(() => expect(screen.queryByTestId("status-banner")).not.toBeInTheDocument());
  });
});
