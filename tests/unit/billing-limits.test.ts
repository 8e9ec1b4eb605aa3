/** Plan limits: ok / warn / over, overage on the Shopify rail, banners, and which variants are forecast. */
import { describe, expect, it } from "vitest";
import { checkLimits, forecastScope } from "../../app/billing/limits";

const NO_OVERAGE = { overage: false };
const OVERAGE = { overage: true };

describe("checkLimits", () => {
  it("is ok well within the limits", () => {
    expect(checkLimits("starter", { variants: 500, locations: 1 }, NO_OVERAGE)).toEqual({
      plan: "starter",
      status: "ok",
      variants: { used: 500, included: 1000, allowed: 1000, percent: 50 },
      locations: { used: 1, included: 2, allowed: 2, percent: 50 },
      overageBlocks: 0,
      banner: null,
    });
  });

  it("warns from 90 % of a limit up to the limit itself", () => {
    expect(checkLimits("starter", { variants: 899, locations: 1 }, NO_OVERAGE).status).toBe("ok");
    expect(checkLimits("starter", { variants: 900, locations: 1 }, NO_OVERAGE)).toMatchObject({
      status: "warn",
      banner: "billing.limits.near_variants",
    });
    expect(checkLimits("starter", { variants: 1000, locations: 1 }, NO_OVERAGE)).toMatchObject({
      status: "warn",
      banner: "billing.limits.near_variants",
    });
    expect(checkLimits("pro", { variants: 10, locations: 9 }, NO_OVERAGE)).toMatchObject({
      status: "warn",
      banner: "billing.limits.near_locations",
    });
  });

  it("is over past the limit without overage (Stripe, or an annual Shopify plan)", () => {
    expect(checkLimits("starter", { variants: 1001, locations: 1 }, NO_OVERAGE)).toMatchObject({
      status: "over",
      banner: "billing.limits.over_variants",
      overageBlocks: 0,
    });
    expect(checkLimits("starter", { variants: 10, locations: 3 }, OVERAGE)).toMatchObject({
      status: "over",
      banner: "billing.limits.over_locations",
    });
  });

  it("warns of paid overage on the Shopify rail up to the cap, then is over", () => {
    expect(checkLimits("starter", { variants: 1001, locations: 1 }, OVERAGE)).toMatchObject({
      status: "warn",
      banner: "billing.limits.overage",
      overageBlocks: 1,
      variants: { used: 1001, included: 1000, allowed: 5000, percent: 100 },
    });
    expect(checkLimits("starter", { variants: 5000, locations: 1 }, OVERAGE)).toMatchObject({ status: "warn", overageBlocks: 4 });
    expect(checkLimits("starter", { variants: 5001, locations: 1 }, OVERAGE)).toMatchObject({
      status: "over",
      banner: "billing.limits.over_variants",
      overageBlocks: 4,
    });
  });

  it("shows the most urgent banner", () => {
    expect(checkLimits("starter", { variants: 2000, locations: 3 }, NO_OVERAGE).banner).toBe("billing.limits.over_variants");
    expect(checkLimits("starter", { variants: 2000, locations: 3 }, OVERAGE).banner).toBe("billing.limits.over_locations");
    expect(checkLimits("starter", { variants: 2000, locations: 2 }, OVERAGE).banner).toBe("billing.limits.overage");
    expect(checkLimits("starter", { variants: 950, locations: 2 }, NO_OVERAGE).banner).toBe("billing.limits.near_variants");
  });

  it("refuses counts that are not whole and non-negative", () => {
    expect(() => checkLimits("pro", { variants: -1, locations: 0 }, NO_OVERAGE)).toThrow();
    expect(() => checkLimits("pro", { variants: 1, locations: 0.5 }, NO_OVERAGE)).toThrow();
  });
});

describe("forecastScope", () => {
  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

  it("forecasts everything within the limits", () => {
    const check = checkLimits("starter", { variants: 3, locations: 2 }, NO_OVERAGE);
    expect(forecastScope(check, { variantIds: ids(3, "v"), locationIds: ids(2, "l") })).toEqual({
      variantIds: ["v1", "v2", "v3"],
      skippedVariantIds: [],
      locationIds: ["l1", "l2"],
      skippedLocationIds: [],
    });
  });

  it("over the limit, forecasts the top of the ranked lists and skips the rest (nothing is deleted)", () => {
    const check = checkLimits("starter", { variants: 1200, locations: 3 }, NO_OVERAGE);
    const scope = forecastScope(check, { variantIds: ids(1200, "v"), locationIds: ["l9", "l1", "l5"] });
    expect(scope.variantIds).toHaveLength(1000);
    expect(scope.variantIds.slice(0, 2)).toEqual(["v1", "v2"]);
    expect(scope.skippedVariantIds).toEqual(ids(1200, "v").slice(1000));
    expect(scope.locationIds).toEqual(["l9", "l1"]);
    expect(scope.skippedLocationIds).toEqual(["l5"]);
  });

  it("counts the overage allowance on the Shopify rail", () => {
    const check = checkLimits("starter", { variants: 6000, locations: 1 }, OVERAGE);
    expect(forecastScope(check, { variantIds: ids(6000, "v"), locationIds: ["l1"] }).variantIds).toHaveLength(5000);
  });

  it("refuses a ranked list with duplicates", () => {
    const check = checkLimits("pro", { variants: 2, locations: 1 }, NO_OVERAGE);
    expect(() => forecastScope(check, { variantIds: ["v1", "v1"], locationIds: [] })).toThrow(/duplicate variant/);
    expect(() => forecastScope(check, { variantIds: [], locationIds: ["l", "l"] })).toThrow(/duplicate location/);
  });
});
