import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetCatalog } from "@/hooks/useCatalog";
import type { Pool, Token } from "@/lib/api/types";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { POOL_A, POOL_B, pools, tokens, USDC, WETH } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import MarketsPage from "./MarketsPage";
import { formatUsd, offOraclePools, referencePrices } from "./oracle";

const routes = [{ path: "/markets", element: <MarketsPage /> }];
const FEED_WETH = "0x976fcd02f7c4773dd89c309fbf55d5923b4c98a1";
const FEED_USDC = "0x19cecccf6d1bd6a2a1d4c9f8e2b0a1b5c0d6e7f8";

function pricedTokens(nowS: number): Token[] {
  const [weth, usdc] = tokens as [Token, Token];
  return [
    { ...weth, usd_price: 3000.5, usd_price_updated_unix: nowS - 90, usd_price_feed: FEED_WETH },
    { ...usdc, usd_price: 1.0, usd_price_updated_unix: nowS - 5, usd_price_feed: FEED_USDC },
  ];
}

function poolsVsOracle(): Pool[] {
  const [a, b] = pools as [Pool, Pool];
  return [
    { ...a, oracle_deviation: 0.0012, off_oracle: false },
    { ...b, oracle_deviation: 0.052, off_oracle: true },
  ];
}

function row(address: string): HTMLElement {
  const cell = within(screen.getByTestId("pool-table")).getByTitle(address);
  return cell.closest("tr") as HTMLElement;
}

beforeEach(() => {
  FakeWebSocket.reset();
  resetCatalog();
});
afterEach(() => vi.unstubAllGlobals());

describe("Markets: reference prices", () => {
  it("shows each token's oracle price with its feed and age, and flags the pool off oracle", async () => {
    const nowS = Math.floor(Date.now() / 1000);
    stubGateway({
      "GET /api/v1/pools": { status: 200, body: poolsVsOracle() },
      "GET /api/v1/tokens": { status: 200, body: pricedTokens(nowS) },
    });
    renderApp(routes, { path: "/markets" });

    await waitFor(() => expect(screen.getAllByTestId("reference-price")).toHaveLength(2));
    const [usdc, weth] = screen.getAllByTestId("reference-price") as [HTMLElement, HTMLElement];
    expect(usdc).toHaveTextContent("USDC");
    expect(usdc).toHaveTextContent("$1.00");
    expect(usdc).toHaveTextContent(/[0-9]+ s ago/);
    expect(weth).toHaveTextContent("WETH");
    expect(weth).toHaveTextContent("$3,000.50");
    expect(weth).toHaveTextContent("0x976f…98a1");
    expect(weth).toHaveTextContent("1 min ago");

    await waitFor(() => expect(within(row(POOL_B)).getByTestId("off-oracle")).toHaveTextContent("off oracle"));
    expect(within(row(POOL_B)).getByTestId("oracle-deviation")).toHaveTextContent("5.20 %");
    expect(within(row(POOL_A)).getByTestId("oracle-deviation")).toHaveTextContent("0.12 %");
    expect(within(row(POOL_A)).queryByTestId("off-oracle")).toBeNull();
    expect(screen.getByText(/pools off oracle: 1/)).toBeInTheDocument();
  });

  it("says so when no chain has price feeds, and shows no deviation", async () => {
    stubGateway({
      "GET /api/v1/pools": { status: 200, body: pools },
      "GET /api/v1/tokens": { status: 200, body: tokens },
    });
    renderApp(routes, { path: "/markets" });
    expect(await screen.findByTestId("no-reference-prices")).toHaveTextContent("no price feeds configured");
    await waitFor(() => expect(within(row(POOL_A)).getByTestId("oracle-deviation")).toHaveTextContent("—"));
    expect(screen.queryByTestId("off-oracle")).toBeNull();
    expect(screen.queryByTestId("reference-price-table")).toBeNull();
  });
});

describe("oracle helpers", () => {
  it("keeps priced tokens only, by chain then symbol", () => {
    const [weth, usdc] = pricedTokens(1_700_000_000) as [Token, Token];
    const other = { ...weth, chain_id: 1, address: WETH };
    const unpriced = { ...usdc, chain_id: 1, address: USDC, usd_price: null };
    const rows = referencePrices([weth, unpriced, usdc, other]);
    expect(rows.map((r) => [r.chainId, r.symbol])).toEqual([[1, "WETH"], [31337, "USDC"], [31337, "WETH"]]);
    expect(rows[2]).toMatchObject({ usd: 3000.5, feed: FEED_WETH, updatedMs: (1_700_000_000 - 90) * 1000 });
  });

  it("formats USD with cents and more digits for small prices", () => {
    expect(formatUsd(60_123.456)).toBe("$60,123.46");
    expect(formatUsd(1)).toBe("$1.00");
    expect(formatUsd(0.123456789)).toBe("$0.123457");
  });

  it("lists the off-oracle pools furthest first", () => {
    const [a, b] = poolsVsOracle() as [Pool, Pool];
    const c = { ...a, address: "0x3333333333333333333333333333333333333333", oracle_deviation: 0.09, off_oracle: true };
    expect(offOraclePools([a, b, c]).map((p) => p.address)).toEqual([c.address, POOL_B]);
  });
});
