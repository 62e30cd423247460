// The dashboard end to end in headless Debian Chromium (playwright-core with
// executablePath; `npx playwright install` cannot run here). Started by
// tests/test_dashboard_e2e.py, which runs a devnet (anvil, real Uniswap bytecode,
// the executor contract, the market simulator), the engine trading on it (observe
// at start, auto trading off), the gateway and the OpenID provider, and answers
// this script's "control: <command>" lines with "ok[ <answer>]":
//   pause-blocks / resume-blocks   the market simulator (one mined block per step)
//   open-gap      pauses, opens a 3 % gap, answers the best opportunity id through it
//   mine-block    mines one block with only what is pending (a trade the engine sent)
//   stop-engine / stop-gateway
//
// The story: a viewer watches the live table and cannot trade (buttons disabled,
// a direct POST is 403); a trader simulates an opportunity and is refused in
// observe mode; the admin switches the engine to live on the Admin page; the
// trader executes, follows the trade in flight and sees it mined with its tx hash
// and profit expected vs realized, and in the overview's PnL; then the engine and
// the gateway go down.
//
//   ARBX_E2E_BASE_URL   the gateway, serving frontend/dist
//   ARBX_E2E_ARTIFACTS  where screenshots and results.json go
//   CHROMIUM_PATH       default /usr/bin/chromium
//   ARBX_E2E_ADMIN / _TRADER / _VIEWER   logins the gateway maps to each role
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const BASE = process.env.ARBX_E2E_BASE_URL;
const ARTIFACTS = process.env.ARBX_E2E_ARTIFACTS ?? "e2e/artifacts";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LOGINS = {
  admin: process.env.ARBX_E2E_ADMIN ?? "alice",
  trader: process.env.ARBX_E2E_TRADER ?? "bob",
  viewer: process.env.ARBX_E2E_VIEWER ?? "carol",
};
const CHAIN_ID = process.env.ARBX_E2E_CHAIN_ID ?? "31337";
if (!BASE) throw new Error("ARBX_E2E_BASE_URL is required");
mkdirSync(ARTIFACTS, { recursive: true });

// --- talking to the Python side -----------------------------------------------------
const input = createInterface({ input: process.stdin });
const replies = [];
const waiting = [];
input.on("line", (line) => (waiting.length ? waiting.shift()(line) : replies.push(line)));
/** Asks the Python side; its answer (after "ok "), "" when it has none. */
async function control(command) {
  console.log(`control: ${command}`);
  const reply = (replies.length ? replies.shift() : await new Promise((resolve) => waiting.push(resolve))).trim();
  if (reply !== "ok" && !reply.startsWith("ok ")) throw new Error(`control ${command}: ${reply}`);
  return reply.slice(3);
}

// --- results ------------------------------------------------------------------------
const results = { base_url: BASE, checks: {}, timing: {}, rest_ms: {}, screenshots: [] };
const step = (name) => console.log(`step: ${name}`);
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}
const round = (x) => Math.round(x * 10) / 10;
async function shot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  results.screenshots.push(path);
}

// --- browser --------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function newUser(role) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.log(`[${role} page error] ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.log(`[${role} console] ${msg.text()}`);
  });
  return { context, page };
}

/** The whole OAuth2 login in the browser: app -> login page -> provider -> back. */
async function signIn(page, login, { screenshot = false } = {}) {
  await page.goto(`${BASE}/opportunities`);
  await page.waitForURL(/\/login\?next=/);
  const button = page.getByRole("button", { name: "Sign in with Google" });
  await button.waitFor();
  if (screenshot) await shot(page, "login");
  await button.click();
  for (let i = 0; i < 6 && !page.url().startsWith(BASE); i++) {
    await page.waitForLoadState("domcontentloaded");
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill("any");
    }
    await page.locator('button[type="submit"]').first().click();
    await page.waitForLoadState("domcontentloaded");
  }
  await page.waitForURL(`${BASE}/opportunities`, { timeout: 15_000 });
  await page.getByTestId("user-role").waitFor();
  return (await page.getByTestId("user-role").textContent()).trim();
}

/** Click a side-bar link and wait for what the page shows once loaded. */
async function routeChange(page, label, ready) {
  const start = Date.now();
  await page.getByRole("navigation", { name: "pages" }).getByRole("link", { name: label, exact: true }).click();
  await page.locator(ready).first().waitFor({ timeout: 10_000 });
  return Date.now() - start;
}

function restTimings(entries) {
  return entries.filter((e) => e.name.includes("/api/v1/")).map((e) => e.duration);
}

/** The text of the first match, trimmed ("" when there is none). */
async function textOf(locator) {
  return ((await locator.first().textContent()) ?? "").trim();
}

/** One trade's row in the history ("trade-row") or among the trades in flight ("in-flight-row"). */
const tradeRow = (page, testId, id) => page.locator(`[data-testid="${testId}"][data-trade-id="${id}"]`);

const PAGES = [
  ["Overview", '[data-testid^="chain-"]', "overview"],
  ["Live opportunities", '[data-testid="opportunity-row"]', "opportunities"],
  ["Trades", 'table[aria-label="trades"]', "trades"],
  ["Markets", '[data-testid="pool-table"] tbody tr', "markets"],
  // the engine runs without models: the predictions answer 409 with its reason
  ["Predictions", '[data-testid="predictions-off"], [data-testid="prediction-card"]', "predictions"],
  ["Performance", '[data-testid="not-available"], .recharts-wrapper', "performance"],
];

try {
  // --- viewer: login, live table, read-only detail, page timings ---------------------
  step("viewer signs in");
  const viewer = await newUser("viewer");
  let page = viewer.page;
  let viewerAuthorization = "";
  page.on("request", async (request) => {
    const value = request.url().includes("/api/v1/") ? await request.headerValue("authorization") : null;
    if (value) viewerAuthorization = value;
  });
  const role = await signIn(page, LOGINS.viewer, { screenshot: true });
  check(role === "viewer", `carol is a viewer (got ${role})`);
  results.checks.viewer_role = role;

  step("the opportunity table fills live (the market simulator moves the devnet)");
  await page.getByTestId("opportunity-row").first().waitFor({ timeout: 20_000 });
  const seqOf = async () => Number((await textOf(page.getByTestId("opportunities-summary"))).match(/seq (\d+)/)?.[1] ?? 0);
  const firstSeq = await seqOf();
  let updates = 0;
  for (let i = 0; i < 60 && updates < 3; i++) {
    await page.waitForTimeout(250);
    updates = (await seqOf()) - firstSeq;
  }
  check(updates >= 2, `the table followed the stream (${updates} updates)`);
  results.checks.opportunities_streamed = updates;
  results.checks.opportunity_rows = await page.getByTestId("opportunity-row").count();
  check((await page.getByTestId("connection-state").getAttribute("data-state")) === "live", "connection is live");
  await shot(page, "opportunities");

  step("a viewer sees each hop but cannot simulate or execute");
  const firstRow = page.getByTestId("opportunity-row").first();
  const viewedId = await firstRow.getAttribute("data-opportunity-id");
  await firstRow.click();
  await page.getByTestId("opportunity-detail").waitFor();
  const hops = await page.getByTestId("hop-row").count();
  check(hops >= 2, `detail lists the hops (${hops})`);
  check(await page.getByTestId("execute").isDisabled(), "execute is disabled for a viewer");
  check(await page.getByTestId("simulate").isDisabled(), "simulate is disabled for a viewer");
  results.checks.viewer_execute_disabled = true;
  await shot(page, "opportunity-detail");
  await page.keyboard.press("Escape");
  // ... and the gateway refuses the viewer's own token, whatever the UI shows
  check(viewerAuthorization.startsWith("Bearer "), "the dashboard sends the viewer's bearer token");
  const direct = await viewer.context.request.post(`${BASE}/api/v1/opportunities/${encodeURIComponent(viewedId)}/execute`, {
    headers: { Authorization: viewerAuthorization, "Idempotency-Key": "viewer-direct-post" },
    data: {},
  });
  results.checks.viewer_direct_execute_status = direct.status();
  results.checks.viewer_direct_execute_detail = (await direct.json()).detail;
  check(direct.status() === 403, `a viewer's POST /execute is 403 (got ${direct.status()}: ${await direct.text()})`);

  step("route changes");
  const routeTimes = {};
  for (let round = 0; round < 3; round++) {
    for (const [label, ready, name] of PAGES) {
      const ms = await routeChange(page, label, ready);
      (routeTimes[name] ??= []).push(ms);
      if (round === 0 && name !== "opportunities") {
        await page.waitForTimeout(name === "markets" ? 1500 : 200); // let the chart collect a few prices
        await shot(page, name);
      }
    }
  }
  results.timing.route_change_ms = Object.fromEntries(Object.entries(routeTimes).map(([k, v]) => [k, stats(v)]));
  results.timing.route_change_all_ms = stats(Object.values(routeTimes).flat());
  await routeChange(page, "Predictions", '[data-testid="predictions-off"], [data-testid="prediction-card"]');
  const off = page.locator('[data-testid="predictions-off"]');
  results.checks.viewer_predictions = (await off.count()) ? await textOf(off) : "cards";
  await routeChange(page, "Trades", 'table[aria-label="trades"]');
  check((await page.getByTestId("request-error").count()) === 0, "the trade history loads for a viewer");
  check(await page.getByTestId("trades-empty").isVisible(), "no trade yet");
  check((await page.getByTestId("trades-in-flight").count()) === 0, "a viewer does not follow trades live");
  check((await page.getByRole("link", { name: "Admin" }).count()) === 0, "no Admin link for a viewer");

  step("first meaningful paint (signed-in reload of the overview)");
  const fmp = [];
  const fcp = [];
  const interactive = [];
  const rest = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${BASE}/`);
    await page.getByTestId(`chain-${CHAIN_ID}`).waitFor({ timeout: 10_000 });
    const t = await page.evaluate(() => {
      const mark = performance.getEntriesByName("arbx:overview-data")[0];
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        fmp: mark ? mark.startTime : null,
        fcp: paint ? paint.startTime : null,
        domInteractive: nav ? nav.domInteractive : null,
        resources: performance.getEntriesByType("resource").map((e) => ({ name: e.name, duration: e.duration })),
      };
    });
    if (t.fmp !== null) fmp.push(t.fmp);
    if (t.fcp !== null) fcp.push(t.fcp);
    if (t.domInteractive !== null) interactive.push(t.domInteractive);
    rest.push(...restTimings(t.resources));
  }
  results.timing.first_meaningful_paint_ms = stats(fmp);
  results.timing.first_contentful_paint_ms = stats(fcp);
  results.timing.dom_interactive_ms = stats(interactive);
  results.rest_ms.overview_reload = stats(rest);
  await viewer.context.close();

  // --- trader: simulate, refused in observe, execute once live -------------------------
  step("a trader signs in and follows the trades live");
  const trader = await newUser("trader");
  page = trader.page;
  check((await signIn(page, LOGINS.trader)) === "trader", "bob is a trader");
  await routeChange(page, "Trades", '[data-testid="trades-in-flight"]');
  await page.locator('table[aria-label="trades"]').waitFor();
  check(await page.getByTestId("trades-empty").isVisible(), "no trade yet");

  step("a gap opens: the trader simulates the opportunity (eth_call of the executor)");
  const oppId = await control("open-gap"); // the market stands still until resume-blocks
  results.checks.traded_opportunity = oppId;
  await routeChange(page, "Live opportunities", '[data-testid="opportunity-row"]');
  const gapRow = page.locator(`[data-testid="opportunity-row"][data-opportunity-id="${oppId}"]`);
  await gapRow.waitFor({ timeout: 15_000 });
  await gapRow.click();
  await page.getByTestId("opportunity-detail").waitFor();
  await page.getByTestId("opportunity-detail").getByText("current", { exact: true }).waitFor();
  const executeRequests = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().includes("/execute")) executeRequests.push(request.headers()["idempotency-key"] ?? "");
  });
  await page.getByTestId("simulate").click(); // waits until enabled
  await page.getByTestId("simulation-result").waitFor({ timeout: 20_000 });
  const simulation = await textOf(page.getByTestId("simulation-result"));
  check(/^Simulated at block \d+: executable\. Profit /.test(simulation), `the simulation is executable (got ${simulation})`);
  results.checks.trader_simulation = simulation;
  await shot(page, "trader-simulate");

  await page.getByTestId("execute").click();
  await page.getByTestId("execution-refused").filter({ hasText: "Execution refused by the engine" }).waitFor({ timeout: 15_000 });
  results.checks.trader_observe_refused = await textOf(page.getByTestId("refusal-reason"));
  check((await page.getByTestId("execution-result").count()) === 0, "no trade in observe mode");

  step("the admin switches the engine to live on the Admin page");
  const admin = await newUser("admin");
  const adminPage = admin.page;
  check((await signIn(adminPage, LOGINS.admin)) === "admin", "alice is an admin");
  await routeChange(adminPage, "Admin", '[data-testid="risk-state"]');
  check((await textOf(adminPage.getByTestId("risk-state"))).startsWith("Mode observe"), "the engine starts in observe");
  await adminPage.getByTestId("mode-select").getByRole("combobox").click();
  await adminPage.getByRole("listbox").getByRole("option", { name: "Live (send transactions)" }).click();
  await adminPage.getByTestId("mode-changed").waitFor({ timeout: 15_000 });
  results.checks.admin_mode_changed = await textOf(adminPage.getByTestId("mode-changed"));
  await adminPage.getByTestId("risk-state").filter({ hasText: "Mode live" }).waitFor({ timeout: 15_000 });
  await shot(adminPage, "admin-mode-live");

  step("the trader executes: the engine signs and sends the trade");
  await page.getByTestId("execute").click();
  await page.getByTestId("execution-result").waitFor({ timeout: 30_000 });
  const execution = await textOf(page.getByTestId("execution-result"));
  const sent = execution.match(/^Trade ([0-9a-f]{32}): sent \(live\), tx (0x[0-9a-f]{64})/);
  check(sent !== null, `the trade was sent live with a tx hash (got ${execution})`);
  const [, tradeId, txHash] = sent;
  results.checks.trade_id = tradeId;
  results.checks.trade_tx_hash = txHash;
  for (let i = 0; i < 40 && executeRequests.length < 2; i++) await page.waitForTimeout(100);
  check(executeRequests.length === 2 && executeRequests.every((k) => /^[0-9a-f-]{36}$/.test(k)), `each Execute sends an Idempotency-Key (${executeRequests})`);
  check(executeRequests[0] !== executeRequests[1], "each click gets a new idempotency key");
  results.checks.trader_idempotency_keys = executeRequests.length;
  await shot(page, "trader-execute");

  step("the trade appears: in flight, then mined");
  await page.getByTestId("execution-result").getByRole("link", { name: "Open trade" }).click();
  await page.waitForURL(`${BASE}/trades/${tradeId}`);
  await tradeRow(page, "in-flight-row", tradeId).waitFor({ timeout: 15_000 });
  const detail = page.getByTestId("trade-detail");
  await detail.getByText(`Transaction: ${txHash}`).waitFor({ timeout: 15_000 });
  results.checks.trade_in_flight = await textOf(tradeRow(page, "in-flight-row", tradeId));
  await shot(page, "trader-trade-sent");
  await detail.getByRole("button", { name: "Close" }).click();
  await control("mine-block"); // the block with the trade, and nothing else
  await tradeRow(page, "trade-row", tradeId).filter({ hasText: "mined" }).waitFor({ timeout: 20_000 });
  await tradeRow(page, "in-flight-row", tradeId).waitFor({ state: "detached", timeout: 15_000 });
  await tradeRow(page, "trade-row", tradeId).click();
  await detail.getByTestId("trade-timeline").waitFor({ timeout: 15_000 });
  const steps = await detail.getByTestId("timeline-step").allTextContents();
  const field = async (label) => (await textOf(detail.locator("p", { hasText: `${label}:` }))).slice(label.length + 1).trim();
  results.checks.trade_detail = {
    status: await textOf(detail.locator(".MuiChip-label")),
    tx: await field("Transaction"),
    profit: await field("Profit"),
    gas: await field("Gas"),
    timeline: steps.map((text) => text.trim().split(" ")[0]),
  };
  check(results.checks.trade_detail.status === "mined", `the detail shows mined (${JSON.stringify(results.checks.trade_detail)})`);
  check(/^expected [0-9.,]+ \(gas .*\) · realized [0-9.,]+$/.test(results.checks.trade_detail.profit), `profit expected vs realized (${results.checks.trade_detail.profit})`);
  results.checks.trade_row = await textOf(tradeRow(page, "trade-row", tradeId));
  await shot(page, "trader-trades");

  step("the overview's realized PnL and trade counts include the mined trade");
  await detail.getByRole("button", { name: "Close" }).click();
  await routeChange(page, "Overview", '[data-testid="pnl-row"]');
  const figure = (testId, part) => textOf(page.getByTestId(testId).locator(part));
  results.checks.overview = {
    pnl_row: (await page.getByTestId("pnl-row").first().locator("td").allTextContents()).map((text) => text.trim()),
    pnl_rows: await page.getByTestId("pnl-row").count(),
    trades_today: await figure("stat-trades-today", ".MuiTypography-h6"),
    success_rate: await figure("stat-success-rate", ".MuiTypography-h6"),
    outcomes: await figure("stat-success-rate", ".MuiTypography-caption"),
  };
  await shot(page, "trader-overview");
  await control("resume-blocks");
  await trader.context.close();

  // --- admin: health, API keys, users, audit -------------------------------------------
  step("an admin manages keys and users, and reads the audit log");
  page = adminPage;
  results.timing.route_change_ms.health = stats([await routeChange(page, "System health", 'table[aria-label="topics"]')]);
  await shot(page, "health");
  results.timing.route_change_ms.admin = stats([await routeChange(page, "Admin", '[data-testid="risk-state"]')]);
  check((await textOf(page.getByTestId("risk-state"))).startsWith("Mode live"), "the engine stays live");
  await shot(page, "admin");
  await page.getByRole("tab", { name: "API keys" }).click();
  await page.getByLabel("Name").fill("e2e-key");
  await page.getByRole("button", { name: "Create" }).click();
  const key = await page.getByTestId("created-key").inputValue();
  check(key.length > 20, "the new key is shown once");
  await shot(page, "admin-api-key-created");
  await page.getByRole("button", { name: "I have stored it" }).click();
  const keyRow = page.getByTestId("api-key-row").filter({ hasText: "e2e-key" }).first();
  await keyRow.getByRole("button", { name: "Revoke" }).click();
  await keyRow.getByText("revoked").waitFor();
  results.checks.api_key_create_revoke = true;
  await page.getByRole("tab", { name: "Users" }).click();
  await page.getByTestId("user-row").first().waitFor();
  results.checks.users_listed = await page.getByTestId("user-row").count();
  check(results.checks.users_listed >= 3, "viewer, trader and admin are listed");
  await shot(page, "admin-users");
  await page.getByRole("tab", { name: "Audit log" }).click();
  await page.getByTestId("audit-row").first().waitFor();
  const audit = await page.getByTestId("audit-row").allTextContents();
  results.checks.audit_rows = audit.length;
  check(audit.some((row) => row.includes("engine.set_mode") && row.includes('"mode":"live"')), "the mode change is audited");
  check(audit.some((row) => row.includes("trade.execute") && row.includes(`trade:${tradeId}`)), "the trade is audited");
  await shot(page, "admin-audit");
  const adminEntries = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => ({ name: e.name, duration: e.duration })));
  results.rest_ms.admin_session = stats(restTimings(adminEntries));
  // which calls the tail is made of
  results.rest_ms.admin_session_slowest = adminEntries
    .filter((e) => e.name.includes("/api/v1/"))
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 3)
    .map((e) => `${new URL(e.name).pathname} ${round(e.duration)} ms`);

  // --- the engine goes down: a banner, nothing freezes ---------------------------------
  step("engine down");
  await routeChange(page, "Live opportunities", '[data-testid="opportunity-row"]');
  await control("stop-engine");
  const engineDownAt = Date.now();
  await routeChange(page, "Overview", "h1");
  await page.locator('[data-testid="status-banner"][data-kind="engine-down"]').waitFor({ timeout: 20_000 });
  results.timing.engine_down_banner_ms = Date.now() - engineDownAt;
  await shot(page, "engine-down");
  const stillNavigates = await routeChange(page, "Markets", "h1");
  results.checks.navigates_with_engine_down_ms = stillNavigates;
  results.checks.connection_state_engine_down = await page.getByTestId("connection-state").getAttribute("data-state");
  check(results.checks.connection_state_engine_down === "stale", "the connection shows stale while the engine is down");

  step("gateway down");
  await control("stop-gateway");
  const gatewayDownAt = Date.now();
  await page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor({ timeout: 20_000 });
  await page.locator('[data-testid="status-banner"][data-kind="gateway-down"]').waitFor({ timeout: 20_000 });
  results.timing.gateway_down_banner_ms = Date.now() - gatewayDownAt;
  results.checks.gateway_down_banner = await page.getByTestId("status-banner").getAttribute("data-kind");
  await shot(page, "gateway-down");
  await admin.context.close();
  results.ok = true;
} catch (error) {
  results.ok = false;
  results.error = String(error?.stack ?? error);
  console.log(results.error);
} finally {
  writeFileSync(join(ARTIFACTS, "results.json"), JSON.stringify(results, null, 2));
  console.log(`results: ${JSON.stringify({ ok: results.ok, timing: results.timing, rest_ms: results.rest_ms, checks: results.checks })}`);
  await browser.close();
  process.exit(results.ok ? 0 : 1);
}
