import { describe, expect, it } from "vitest";
import { errorFromResponse } from "./errors";

describe("errorFromResponse", () => {
  it("turns the gateway's 501 into 'not available yet'", () => {
    const e = errorFromResponse(501, { detail: "not implemented: needs EngineService.ListTrades (execution issue)" }, null);
    expect(e.kind).toBe("not_available");
    expect(e.message).toContain("ListTrades");
  });

  it("keeps the engine's 409 reason verbatim", () => {
    const e = errorFromResponse(409, { detail: "execution is not configured (no `execution` in the config)" }, null);
    expect(e).toMatchObject({ kind: "conflict", status: 409, message: "execution is not configured (no `execution` in the config)" });
  });

  it("treats FastAPI's bare 404 as a route this gateway does not have yet", () => {
    expect(errorFromResponse(404, { detail: "Not Found" }, null).kind).toBe("not_available");
    expect(errorFromResponse(404, { detail: "address: no pool 0x1 on chain 1" }, null).kind).toBe("not_found");
  });

  it("names the field of a 422 and reads Retry-After of a 503", () => {
    const invalid = errorFromResponse(422, { detail: [{ loc: ["query", "amount_in"], msg: "must be decimal", type: "value_error" }] }, null);
    expect(invalid.message).toBe("amount_in: must be decimal");
    const down = errorFromResponse(503, { detail: "engine unavailable" }, "5");
    expect(down).toMatchObject({ kind: "engine_unavailable", retryAfterS: 5 });
  });
});
