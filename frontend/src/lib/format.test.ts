import { describe, expect, it } from "vitest";
import { compareIntStrings, formatUnits } from "./format";

describe("format", () => {
  it("formats integer amounts without floats", () => {
    expect(formatUnits("1234567890000000000000", 18, 4)).toBe("1,234.5678");
    expect(formatUnits("-8000000000000000", 18)).toBe("-0.008");
    expect(formatUnits("1", 18, 6)).toBe("<0.000001");
    expect(formatUnits("0", 18)).toBe("0");
  });

  it("compares uint256 strings beyond 2^53", () => {
    expect(compareIntStrings("115792089237316195423570985008687907853269984665640564039457584007913129639935", "9007199254740993")).toBe(1);
    expect(compareIntStrings("-5", "3")).toBe(-1);
  });
});
