// The dashboard end to end in headless Debian Chromium (playwright-core with
// executablePath; `npx playwright install` cannot run here). Started by
// tests/test_dashboard_e2e.py, which runs the real engine, gateway and OpenID
// provider and answers this script's "control: <command>" lines with "ok".
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
if (!BASE) throw new Error("ARBX_E2E_BASE_URL is required");
mkdirSync(ARTIFACTS, { recursive: true });

// --- talking to the Python side -----------------------------------------------------
const input = createInterface({ input: process.stdin });
const replies = [];
const waiting = [];
input.on("line", (line) => (waiting.length ? waiting.shift()(line) : replies.push(line)));
async function control(command) {
  console.log(`control: ${command}`);
  const reply = replies.length ? replies.shift() : await new Promise((resolve) => waiting.push(resolve));
  if (reply.trim() !== "ok") throw new Error(`control ${command}: ${reply}`);
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

/** The engine's reason for every execution RPC when it has no `execution` configured. */
const NO_EXECUTION = "execution is not configured (no `execution` in the config)";

const PAGES = [
  ["Overview", '[data-testid^="chain-"]', "overview"],
  ["Live opportunities", '[data-testid="opportunity-row"]', "opportunities"],
  // the e2e engine runs without execution: the trade history answers 409 with its reason
  ["Trades", '[data-testid="request-error"], table[aria-label="trades"]', "trades"],
  ["Markets", '[data-testid="pool-table"] tbody tr', "markets"],
  // ... and without models: the predictions answer 409 with its reason
  ["Predictions", '[data-testid="predictions-off"], [data-testid="prediction-card"]', "predictions"],
  ["Performance", '[data-testid="not-available"], .recharts-wrapper', "performance"],
];

try {
  // --- viewer: login, live table, read-only detail, page timings ---------------------
  step("viewer signs in");
  const viewer = await newUser("viewer");
  let page = viewer.page;
  const role = await signIn(page, LOGINS.viewer, { screenshot: true });
  check(role === "viewer", `carol is a viewer (got ${role})`);
  results.checks.viewer_role = role;

  step("the opportunity table fills live");
  await page.getByTestId("opportunity-row").first().waitFor({ timeout: 15_000 });
  const seqOf = async () => Number(((await page.getByTestId("opportunities-summary").textContent()) ?? "").match(/seq (\d+)/)?.[1] ?? 0);
  const firstSeq = await seqOf();
  let updates = 0;
  for (let i = 0; i < 40 && updates < 3; i++) {
    await page.waitForTimeout(250);
    updates = (await seqOf()) - firstSeq;
  }
  check(updates >= 2, `the table followed the stream (${updates} updates)`);
  results.checks.opportunities_streamed = updates;
  results.checks.opportunity_rows = await page.getByTestId("opportunity-row").count();
  check((await page.getByTestId("connection-state").getAttribute("data-state")) === "live", "connection is live");
  await shot(page, "opportunities");

  step("a viewer sees each hop but cannot execute");
  await page.getByTestId("opportunity-row").first().click();
  await page.getByTestId("opportunity-detail").waitFor();
  const hops = await page.getByTestId("hop-row").count();
  check(hops >= 2, `detail lists the hops (${hops})`);
  check(await page.getByTestId("execute").isDisabled(), "execute is disabled for a viewer");
  check(await page.getByTestId("simulate").isDisabled(), "simulate is disabled for a viewer");
  results.checks.viewer_execute_disabled = true;
  await shot(page, "opportunity-detail");
  await page.keyboard.press("Escape");

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
  results.checks.viewer_predictions = (await off.count()) ? ((await off.first().textContent()) ?? "").trim() : "cards";
  await routeChange(page, "Trades", '[data-testid="request-error"], table[aria-label="trades"]');
  const history = (await page.locator('[data-testid="request-error"]').first().textContent()) ?? "";
  check(history.includes(NO_EXECUTION), `the trade history shows the engine's 409 reason (got ${history})`);
  check((await page.getByTestId("trades-in-flight").count()) === 0, "a viewer does not follow trades live");
  results.checks.viewer_trades = history.trim();
  check((await page.getByRole("link", { name: "Admin" }).count()) === 0, "no Admin link for a viewer");

  step("first meaningful paint (signed-in reload of the overview)");
  const fmp = [];
  const fcp = [];
  const interactive = [];
  const rest = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${BASE}/`);
    await page.locator('[data-testid^="chain-"]').first().waitFor({ timeout: 10_000 });
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

  // --- trader: may simulate and execute; this engine refuses (no execution) -----------
  step("a trader simulates and executes an opportunity: the engine's 409 reason shows");
  const trader = await newUser("trader");
  page = trader.page;
  check((await signIn(page, LOGINS.trader)) === "trader", "bob is a trader");
  await page.getByTestId("opportunity-row").first().waitFor({ timeout: 15_000 });
  await page.getByTestId("opportunity-row").first().click();
  await page.getByTestId("opportunity-detail").waitFor();
  check(await page.getByTestId("simulate").isEnabled(), "simulate is enabled for a trader");
  const executeRequests = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().includes("/execute")) executeRequests.push(request.headers()["idempotency-key"] ?? "");
  });
  await page.getByTestId("simulate").click();
  await page.getByTestId("refusal-reason").waitFor({ timeout: 15_000 });
  const simulateReason = (await page.getByTestId("refusal-reason").textContent()) ?? "";
  check(simulateReason === NO_EXECUTION, `simulate shows the engine's reason verbatim (got ${simulateReason})`);
  check(await page.getByTestId("execution-refused").filter({ hasText: "Simulation refused by the engine" }).isVisible(), "the refusal names the simulation");
  await page.getByTestId("execute").click(); // waits until enabled (the opportunity is current)
  await page.getByTestId("execution-refused").filter({ hasText: "Execution refused by the engine" }).waitFor({ timeout: 15_000 });
  const executeReason = (await page.getByTestId("refusal-reason").textContent()) ?? "";
  check(executeReason === NO_EXECUTION, `execute shows the engine's reason verbatim (got ${executeReason})`);
  check((await page.getByTestId("execution-result").count()) === 0, "no trade is shown");
  await page.getByTestId("execute").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="refusal-reason"]') !== null);
  for (let i = 0; i < 40 && executeRequests.length < 2; i++) await page.waitForTimeout(100);
  check(executeRequests.length === 2 && executeRequests.every((k) => /^[0-9a-f-]{36}$/.test(k)), `each Execute sends an Idempotency-Key (${executeRequests})`);
  check(executeRequests[0] !== executeRequests[1], "each click gets a new idempotency key");
  results.checks.trader_simulate_refused = simulateReason;
  results.checks.trader_execute_refused = executeReason;
  results.checks.trader_idempotency_keys = executeRequests.length;
  await shot(page, "trader-execute");
  await page.keyboard.press("Escape");

  step("a trader's live trades: the engine refuses the stream");
  await routeChange(page, "Trades", '[data-testid="topic-refused"]');
  const refused = (await page.getByTestId("topic-refused").textContent()) ?? "";
  check(refused.includes("execution is not configured on the engine"), `the trades topic says so (got ${refused})`);
  results.checks.trader_trades_topic = refused.trim();
  await shot(page, "trader-trades");
  await trader.context.close();

  // --- admin: health, API keys, users, audit -------------------------------------------
  step("an admin manages keys and users");
  const admin = await newUser("admin");
  page = admin.page;
  check((await signIn(page, LOGINS.admin)) === "admin", "alice is an admin");
  results.timing.route_change_ms.health = stats([await routeChange(page, "System health", 'table[aria-label="topics"]')]);
  await shot(page, "health");
  results.timing.route_change_ms.admin = stats([await routeChange(page, "Admin", '[role="tab"]')]);
  // the first tab: mode, kill switch and risk limits, which this engine refuses (409)
  await page.getByTestId("request-error").first().waitFor({ timeout: 10_000 });
  const modeError = (await page.getByTestId("request-error").first().textContent()) ?? "";
  check(modeError.includes(`Mode: ${NO_EXECUTION}`), `the mode panel shows the engine's reason (got ${modeError})`);
  results.checks.admin_mode = modeError.trim();
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
  results.checks.audit_rows = await page.getByTestId("audit-row").count();
  await shot(page, "admin-audit");
  const adminRest = restTimings(await page.evaluate(() => performance.getEntriesByType("resource").map((e) => ({ name: e.name, duration: e.duration }))));
  results.rest_ms.admin_session = stats(adminRest);

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
