import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PoolPrediction, Predictions } from "@/lib/api/types";
import { FakeWebSocket } from "@/test/FakeWebSocket";
import { POOL_A, POOL_B, pools } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { renderApp } from "@/test/render";
import PredictionsPage from "./PredictionsPage";

const routes = [{ path: "/predictions", element: <PredictionsPage /> }];

const VERSIONS = { cnn_pattern: "v2", iforest_pool: "v1", lstm_return: "v3" };

function prediction(overrides: Partial<PoolPrediction> = {}): PoolPrediction {
  return {
    chain_id: 31337,
    pool: POOL_A,
    block_number: 120,
    ready: true,
    log_return: 0.0012,
    p_up: 0.64,
    pattern: "trend_up",
    pattern_probs: { trend_up: 0.7, flat: 0.2, mean_revert: 0.1 },
    anomaly_score: 0.41,
    anomalous: false,
    model_versions: VERSIONS,
    ...overrides,
  };
}

function reply(predictions: PoolPrediction[]): Predictions {
  return { chain_id: 31337, block_number: 120, predictions, anomaly_threshold: 0.6 };
}

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.unstubAllGlobals());

describe("Predictions", () => {
  it("shows one card per pool: move, direction, pattern, anomaly and model versions", async () => {
    const queries: URLSearchParams[] = [];
    stubGateway({
      "GET /api/v1/pools": { status: 200, body: pools },
      "GET /api/v1/predictions": ({ url }) => {
        queries.push(url.searchParams);
        return {
          status: 200,
          body: reply([
            prediction(),
            prediction({ pool: POOL_B, p_up: 0.2, log_return: -0.004, pattern: "mean_revert", anomalous: true, anomaly_score: 0.9 }),
          ]),
        };
      },
    });
    renderApp(routes, { path: "/predictions" });
    await waitFor(() => expect(screen.getAllByTestId("prediction-card")).toHaveLength(2));
    // every pool of the chain, in one request for that chain
    expect(queries.map((q) => [q.get("chain_id"), q.getAll("pool")])[0]).toEqual(["31337", [POOL_A, POOL_B]]);

    const [a, b] = screen.getAllByTestId("prediction-card") as [HTMLElement, HTMLElement];
    expect(within(a).getByTestId("prediction-direction")).toHaveTextContent("up");
    expect(within(a).getByTestId("prediction-p-up")).toHaveTextContent("64");
    expect(within(a).getByTestId("prediction-move")).toHaveTextContent("0.120");
    expect(within(a).getByTestId("prediction-pattern")).toHaveTextContent("pattern: trend_up");
    expect(within(a).queryByTestId("prediction-anomaly")).toBeNull();
    expect(within(a).getByTestId("prediction-versions")).toHaveTextContent("cnn_pattern v2 · iforest_pool v1 · lstm_return v3");
    expect(within(b).getByTestId("prediction-direction")).toHaveTextContent("down");
    expect(within(b).getByTestId("prediction-move")).toHaveTextContent("-0.399");
    expect(within(b).getByTestId("prediction-anomaly")).toHaveTextContent("anomaly");
  });

  it("shows a pool still warming up without model fields", async () => {
    stubGateway({
      "GET /api/v1/pools": { status: 200, body: pools.slice(0, 1) },
      "GET /api/v1/predictions": {
        status: 200,
        body: reply([prediction({ ready: false, log_return: null, p_up: null, pattern: "", pattern_probs: {}, anomaly_score: null, model_versions: {} })]),
      },
    });
    renderApp(routes, { path: "/predictions" });
    const card = await screen.findByTestId("prediction-card");
    expect(within(card).getByTestId("prediction-warming")).toBeInTheDocument();
    expect(within(card).queryByTestId("prediction-move")).toBeNull();
  });

  it("shows the engine's reason verbatim when it runs without models (409)", async () => {
    const reason = "this engine runs without models (models.enabled is false)";
    stubGateway({
      "GET /api/v1/pools": { status: 200, body: pools },
      "GET /api/v1/predictions": { status: 409, body: { detail: reason } },
    });
    renderApp(routes, { path: "/predictions" });
    expect(await screen.findByTestId("predictions-off")).toHaveTextContent(`Predictions are off: ${reason}`);
    expect(screen.queryByTestId("prediction-card")).toBeNull();
    expect(screen.queryByTestId("not-available")).toBeNull();
  });
});
