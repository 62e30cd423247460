import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetCatalog } from "@/hooks/useCatalog";
import { RequireRole } from "@/lib/auth/RequireRole";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { pools, tokens, trade, TX } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import TradesPage from "./TradesPage";

const routes = [
  { path: "/trades", element: <RequireRole role="viewer"><TradesPage /></RequireRole> },
  { path: "/trades/:tradeId", element: <RequireRole role="viewer"><TradesPage /></RequireRole> },
];

const market = {
  "GET /api/v1/tokens": { status: 200, body: tokens },
  "GET /api/v1/pools": { status: 200, body: pools },
};

async function streamOpen() {
  await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(0));
  const socket = FakeWebSocket.latest();
  act(() => socket.accept());
  await waitFor(() => expect(socket.sentOfType("subscribe")).toHaveLength(1));
  return socket;
}

beforeEach(() => {
  FakeWebSocket.reset();
  resetCatalog();
});
afterEach(() => vi.unstubAllGlobals());

describe("Trades", () => {
  it("lists trades with the gateway's filters and pages", async () => {
    const queries: URLSearchParams[] = [];
    stubGateway({
      ...market,
      "GET /api/v1/trades": ({ url }) => {
        queries.push(url.searchParams);
        const second = url.searchParams.get("page_token") === "p2";
        return {
          status: 200,
          body: second
            ? { trades: [trade({ id: "old", status: "reverted", reason: "execution reverted", profit_realized: "-5" })], next_page_token: "" }
            : { trades: [trade({ id: "new" })], next_page_token: "p2" },
        };
      },
    });
    renderApp(routes, { path: "/trades" });
    const row = await screen.findByTestId("trade-row");
    expect(row).toHaveAttribute("data-trade-id", "new");
    expect(row).toHaveTextContent("mined");
    expect(row).toHaveTextContent("dry_run · rpc");
    expect(row).toHaveTextContent("181,000");
    expect(row).toHaveTextContent("0.008 WETH");
    expect(row).toHaveTextContent("0.0075");
    expect(queries[0]?.get("page_size")).toBe("50");
    expect(queries[0]?.getAll("status")).toEqual([]);

    // two statuses: the query repeats `status`
    await userEvent.click(screen.getByLabelText("Status"));
    const listbox = await screen.findByRole("listbox");
    await userEvent.click(within(listbox).getByRole("option", { name: "mined" }));
    await userEvent.click(within(listbox).getByRole("option", { name: "reverted" }));
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(queries.at(-1)?.getAll("status")).toEqual(["mined", "reverted"]));

    // a malformed address is not sent
    await userEvent.type(screen.getByLabelText("Pool"), "0x12");
    expect(screen.getByText("an address (0x + 40 hex digits)")).toBeInTheDocument();
    expect(queries.at(-1)?.get("pool")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByTestId("trade-row")).toHaveAttribute("data-trade-id", "old"));
    expect(queries.at(-1)?.get("page_token")).toBe("p2");
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    await waitFor(() => expect(screen.getByTestId("trade-row")).toHaveAttribute("data-trade-id", "new"));
  });

  it("opens one trade: status history, transactions, gas and profit", async () => {
    stubGateway({
      ...market,
      "GET /api/v1/trades": { status: 200, body: { trades: [trade()], next_page_token: "" } },
      "GET /api/v1/trades/t-1": { status: 200, body: trade() },
    });
    const { router } = renderApp(routes, { path: "/trades" });
    await userEvent.click(await screen.findByTestId("trade-row"));
    expect(router.state.location.pathname).toBe("/trades/t-1");
    const detail = await screen.findByTestId("trade-detail");
    await within(detail).findByTestId("trade-timeline");
    const steps = within(detail).getAllByTestId("timeline-step");
    expect(steps.map((s) => s.textContent?.split(" · ")[0])).toEqual(["created", "simulated", "sent", "mined"]);
    expect(within(detail).getByText("block 101")).toBeInTheDocument();
    expect(within(detail).getAllByTestId("transaction-row")).toHaveLength(1);
    expect(detail).toHaveTextContent(`Transaction: ${TX}`);
    expect(detail).toHaveTextContent("used 181,000 of 300,000 at 1.5 gwei");
    expect(detail).toHaveTextContent("realized 0.0075");
  });

  it("says so when a trade does not exist", async () => {
    stubGateway({
      ...market,
      "GET /api/v1/trades": { status: 200, body: { trades: [], next_page_token: "" } },
      "GET /api/v1/trades/nope": { status: 404, body: { detail: "id: no trade nope" } },
    });
    renderApp(routes, { path: "/trades/nope" });
    expect(await screen.findByTestId("trades-empty")).toBeInTheDocument();
    const detail = await screen.findByTestId("trade-detail");
    expect(await within(detail).findByTestId("request-error")).toHaveTextContent("Trade: id: no trade nope");
  });

  it("shows the engine's reason when it runs without execution", async () => {
    stubGateway({
      ...market,
      "GET /api/v1/trades": { status: 409, body: { detail: "execution is not configured (no `execution` in the config)" } },
    });
    renderApp(routes, { path: "/trades" });
    const error = await screen.findByTestId("request-error");
    expect(error).toHaveAttribute("data-kind", "conflict");
    expect(error).toHaveTextContent("Trade history: execution is not configured (no `execution` in the config)");
    expect(screen.queryByTestId("not-available")).not.toBeInTheDocument();
    // viewers do not subscribe to trades (a trader topic)
    expect(FakeWebSocket.instances.flatMap((s) => s.sentOfType("subscribe"))).toEqual([]);
  });

  it("follows the trades in flight live for a trader and reloads the history", async () => {
    let listed = 0;
    stubGateway({
      ...market,
      "GET /api/v1/trades": () => {
        listed += 1;
        return { status: 200, body: { trades: [], next_page_token: "" } };
      },
    });
    renderApp(routes, { path: "/trades", role: "trader" });
    const socket = await streamOpen();
    expect(socket.sentOfType("subscribe")[0]).toEqual({ type: "subscribe", topics: ["trades"] });
    await waitFor(() => expect(listed).toBe(1));
    act(() => {
      socket.receive({ type: "subscribed", topic: "trades", epoch: "e", seq: 1, replayed: 0, resync: false });
      socket.receive({ type: "snapshot", topic: "trades", epoch: "e", seq: 1, dropped: 0, data: { trades: [trade({ id: "a", status: "sent", final: false })] } });
    });
    await waitFor(() => expect(screen.getAllByTestId("in-flight-row")).toHaveLength(1));
    act(() => {
      socket.receive({ type: "event", topic: "trades", epoch: "e", seq: 2, data: { trade: trade({ id: "a", status: "mined", final: true }), snapshot: false, dropped: 0 } });
    });
    await waitFor(() => expect(screen.queryAllByTestId("in-flight-row")).toHaveLength(0));
    expect(screen.getByTestId("trades-in-flight")).toHaveTextContent("In flight (0)");
    await waitFor(() => expect(listed).toBeGreaterThan(1), { timeout: 3_000 });
  });

  it("says execution is not configured when the engine refuses the trades stream", async () => {
    stubGateway({ ...market, "GET /api/v1/trades": { status: 200, body: { trades: [], next_page_token: "" } } });
    renderApp(routes, { path: "/trades", role: "trader" });
    const socket = await streamOpen();
    act(() => {
      socket.receive({ type: "subscribed", topic: "trades", epoch: "e", seq: 0, replayed: 0, resync: false });
      socket.receive({ type: "error", code: "upstream_refused", message: "engine: execution is not configured (no `execution` in the config)", topic: "trades" });
    });
    const refused = await screen.findByTestId("topic-refused");
    expect(refused).toHaveTextContent("execution is not configured on the engine");
    expect(refused).toHaveTextContent("(engine: execution is not configured (no `execution` in the config))");
    expect(screen.queryByTestId("not-available")).not.toBeInTheDocument();
  });
});
