import { describe, expect, it } from "vitest";
import { accuracyDisplay, isSlowMover, unitDigits } from "../../../app/dashboard/accuracy";

const scores = { accTotal: 0.03, mae: 0.42, coverage80: 0.86, coverage95: 0.97 };

describe("accuracy display", () => {
  it("shows the percentage for regular sellers", () => {
    expect(accuracyDisplay("smooth", { ...scores, accTotal: 0.71 }, 12)).toEqual({
      kind: "percent",
      accuracy: 0.71,
      coverage80: 0.86,
      coverage95: 0.97,
      maePerDay: 0.42,
    });
    expect(accuracyDisplay("erratic", { ...scores, accTotal: -0.2 }).kind).toBe("percent");
    expect(accuracyDisplay("erratic", { ...scores, accTotal: -0.2 })).toMatchObject({ accuracy: 0 });
  });

  it("shows units and the 80 % range's hit rate, never a percentage, for slow movers", () => {
    for (const demandClass of ["intermittent", "lumpy", "none"]) {
      const shown = accuracyDisplay(demandClass, scores, 0.3);
      expect(shown).toEqual({ kind: "units", maePerDay: 0.42, coverage80: 0.86, dailyMean: 0.3 });
      expect(shown).not.toHaveProperty("accuracy");
    }
    expect(accuracyDisplay("lumpy", { ...scores, coverage80: null })).toEqual({
      kind: "units",
      maePerDay: 0.42,
      coverage80: null,
      dailyMean: null,
    });
  });

  it("says there is too little history when nothing was scored", () => {
    const none = { accTotal: null, mae: null, coverage80: null, coverage95: null };
    expect(accuracyDisplay("smooth", none)).toEqual({ kind: "notEnough" });
    expect(accuracyDisplay("intermittent", none)).toEqual({ kind: "notEnough" });
    expect(accuracyDisplay("smooth", { ...scores, accTotal: Number.NaN })).toEqual({ kind: "notEnough" });
  });

  it("keeps shares within 0–100 % and errors non-negative", () => {
    expect(accuracyDisplay("lumpy", { ...scores, mae: -1, coverage80: 1.2 })).toMatchObject({ maePerDay: 0, coverage80: 1 });
  });

  it("classifies slow movers and picks unit decimals", () => {
    expect(isSlowMover("intermittent")).toBe(true);
    expect(isSlowMover("smooth")).toBe(false);
    expect(unitDigits(0.04)).toBe(2);
    expect(unitDigits(2.5)).toBe(1);
    expect(unitDigits(12.4)).toBe(0);
  });
});
