import { describe, expect, it } from "vitest";
import { opportunity } from "@/test/fixtures";
import { filterOpportunities, formatUsdAmount, modelView, NO_FILTER, sortOpportunities } from "./model";

describe("the models' view of an opportunity", () => {
  it("tells no models, no score yet, and a score apart", () => {
    expect(modelView(opportunity())).toEqual({ kind: "none" });
    expect(modelView(opportunity({ model_decision: "pass", model_reason: "too little history" }))).toEqual({
      kind: "unscored", decision: "pass", reason: "too little history",
    });
    expect(modelView(opportunity({ model_decision: "skip", model_reason: "r", model_score: 0.3, anomalous: true }))).toEqual({
      kind: "scored", decision: "skip", reason: "r", score: 0.3, anomalous: true,
    });
  });

  it("sorts by score with the unscored last and filters the anomalous out", () => {
    const list = [
      opportunity({ id: "none" }),
      opportunity({ id: "low", model_score: 0.05, model_decision: "pass" }),
      opportunity({ id: "high", model_score: 0.4, anomalous: true, model_decision: "skip" }),
    ];
    expect(sortOpportunities(list, "model_score", "desc").map((o) => o.id)).toEqual(["high", "low", "none"]);
    expect(sortOpportunities(list, "model_score", "asc").map((o) => o.id)).toEqual(["none", "low", "high"]);
    expect(filterOpportunities(list, { ...NO_FILTER, hideAnomalous: true }).map((o) => o.id)).toEqual(["none", "low"]);
    expect(filterOpportunities(list, NO_FILTER)).toHaveLength(3);
  });

  it("formats signed dollar amounts in cents", () => {
    expect(formatUsdAmount(1234.567)).toBe("$1,234.57");
    expect(formatUsdAmount(-0.05)).toBe("-$0.05");
    expect(formatUsdAmount(0.001)).toBe("<$0.01");
    expect(formatUsdAmount(0)).toBe("$0.00");
  });
});
