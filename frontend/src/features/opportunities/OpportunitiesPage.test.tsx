import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequireRole } from "@/lib/auth/RequireRole";
import { resetCatalog } from "@/hooks/useCatalog";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { opportunity, POOL_A, POOL_B, pools, tokens } from "@/test/fixtures";
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

  it("lets a trader execute, and says so when the gateway cannot yet", async () => {
    renderApp(routes, { path: "/opportunities", role: "trader" });
    const socket = await streamOpen();
    act(() => {
      socket.receive({ type: "snapshot", topic: "opportunities", epoch: "e", seq: 1, data: { opportunities: [opportunity({ id: "x" })] } });
    });
    await userEvent.click((await screen.findAllByTestId("opportunity-row"))[0]!);
    const detail = await screen.findByTestId("opportunity-detail");
    const execute = within(detail).getByTestId("execute");
    expect(execute).toBeEnabled();
    await userEvent.click(execute);
    expect(await within(detail).findByTestId("not-available")).toHaveTextContent("Execution: not available yet");
  });
});
