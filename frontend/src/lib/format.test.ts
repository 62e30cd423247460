import { describe, expect, it } from "vitest";
import { compareIntStrings, formatBytes, formatUnits, unitsToNumber } from "./format";

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

  it("turns amounts into chart numbers through BigInt, rounding only at the end", () => {
    // 2^200 + 7 units of an 18-decimals token: far beyond Number's integers
    expect(unitsToNumber("1606938044258990275541962092341162602522202993782792835301383", 18)).toBeCloseTo(1.606938044258990e42, -28);
    expect(unitsToNumber("-1234567890123456789", 18)).toBe(-1.234567);
    expect(unitsToNumber("123456", 6)).toBe(0.123456);
    expect(unitsToNumber("5", 0)).toBe(5);
  });

  it("formats byte counts", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
    expect(formatBytes(undefined)).toBe("—");
  });
});
