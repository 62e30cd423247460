import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { riskState } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import { ModePanel } from "./ModePanel";

const routes = [{ path: "/", element: <ModePanel /> }];

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.unstubAllGlobals());

const bodyOf = (init: RequestInit | undefined): unknown => JSON.parse(String(init?.body));

describe("Mode, kill switch and risk limits", () => {
  it("switches the mode and says from what", async () => {
    const puts: unknown[] = [];
    let mode = "dry_run";
    stubGateway({
      "GET /api/v1/mode": () => ({ status: 200, body: { mode } }),
      "GET /api/v1/risk-limits": () => ({ status: 200, body: riskState({ mode }) }),
      "PUT /api/v1/mode": ({ init }) => {
        puts.push(bodyOf(init));
        const previous = mode;
        mode = (bodyOf(init) as { mode: string }).mode;
        return { status: 200, body: { mode, previous } };
      },
    });
    renderApp(routes, { role: "admin" });
    const select = within(await screen.findByTestId("mode-select")).getByRole("combobox");
    await waitFor(() => expect(select).toHaveTextContent("Dry run"));
    await userEvent.click(select);
    await userEvent.click(within(await screen.findByRole("listbox")).getByRole("option", { name: "Live (send transactions)" }));
    expect(await screen.findByTestId("mode-changed")).toHaveTextContent("Mode changed from dry_run to live.");
    expect(puts).toEqual([{ mode: "live" }]);
    await waitFor(() => expect(screen.getByTestId("risk-state")).toHaveTextContent("Mode live"));
  });

  it("engages the kill switch through the risk limits", async () => {
    let killSwitch = false;
    const puts: unknown[] = [];
    stubGateway({
      "GET /api/v1/mode": { status: 200, body: { mode: "live" } },
      "GET /api/v1/risk-limits": () => ({ status: 200, body: riskState({ limits: { ...riskState().limits, kill_switch: killSwitch } }) }),
      "PUT /api/v1/risk-limits": ({ init }) => {
        puts.push(bodyOf(init));
        killSwitch = true;
        return { status: 200, body: { ...riskState().limits, kill_switch: true } };
      },
    });
    renderApp(routes, { role: "admin" });
    const toggle = await screen.findByRole("checkbox", { name: "kill switch" });
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(screen.queryByTestId("kill-switch-on")).not.toBeInTheDocument();
    await userEvent.click(toggle);
    expect(await screen.findByTestId("kill-switch-on")).toBeInTheDocument();
    expect(puts).toEqual([{ kill_switch: true }]);
  });

  it("sends only the limits that changed, and names a field the gateway rejects", async () => {
    const puts: unknown[] = [];
    stubGateway({
      "GET /api/v1/mode": { status: 200, body: { mode: "dry_run" } },
      "GET /api/v1/risk-limits": { status: 200, body: riskState({ in_flight: 1, loss_today_wei: "1000000000000000" }) },
      "PUT /api/v1/risk-limits": ({ init }) => {
        const body = bodyOf(init) as Record<string, unknown>;
        puts.push(body);
        if ("min_profit_net" in body) {
          return { status: 422, body: { detail: [{ loc: ["body", "min_profit_net"], msg: "must be at least 0", type: "value_error" }] } };
        }
        return { status: 200, body: riskState().limits };
      },
    });
    renderApp(routes, { role: "admin" });
    expect(await screen.findByTestId("risk-state")).toHaveTextContent("1 trade in flight · lost today 0.001");
    const maxInFlight = await screen.findByTestId("limit-max_in_flight");
    expect(maxInFlight).toHaveValue("2");
    await userEvent.clear(maxInFlight);
    await userEvent.type(maxInFlight, "4");
    const caps = screen.getByLabelText("Max amount in, per start token");
    expect(caps).toHaveValue("WETH = 5000000000000000000");
    await userEvent.type(caps, "\nUSDC = 1000000");
    await userEvent.click(screen.getByRole("button", { name: "Save risk limits" }));
    expect(await screen.findByTestId("limits-saved")).toBeInTheDocument();
    expect(puts).toEqual([{ max_in_flight: 4, max_amount_in: { WETH: "5000000000000000000", USDC: "1000000" } }]);

    const minProfit = await screen.findByTestId("limit-min_profit_net");
    await userEvent.clear(minProfit);
    await userEvent.type(minProfit, "abc");
    await userEvent.click(screen.getByRole("button", { name: "Save risk limits" }));
    expect(await screen.findByText("min_profit_net: an integer (start token units)")).toBeInTheDocument();
    expect(puts).toHaveLength(1);

    await userEvent.clear(minProfit);
    await userEvent.type(minProfit, "-7");
    await userEvent.click(screen.getByRole("button", { name: "Save risk limits" }));
    expect(await screen.findByText("Change: min_profit_net: must be at least 0")).toBeInTheDocument();
  });

  it("shows the engine's reason when it runs without execution", async () => {
    const reason = "execution is not configured (no `execution` in the config)";
    stubGateway({
      "GET /api/v1/mode": { status: 409, body: { detail: reason } },
      "GET /api/v1/risk-limits": { status: 409, body: { detail: reason } },
    });
    renderApp(routes, { role: "admin" });
    await waitFor(() => expect(screen.getAllByTestId("request-error")).toHaveLength(2));
    expect(screen.getAllByTestId("request-error")[0]).toHaveTextContent(`Mode: ${reason}`);
    expect(screen.getAllByTestId("request-error")[1]).toHaveTextContent(`Risk limits: ${reason}`);
    expect(within(screen.getByTestId("mode-select")).getByRole("combobox")).toHaveAttribute("aria-disabled", "true");
    expect(screen.queryByTestId("not-available")).not.toBeInTheDocument();
  });
});
