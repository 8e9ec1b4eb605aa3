/**
 * The shared parameter schemas (app/api/params.ts) and the contract schemas built on them refuse what PostgreSQL
 * would refuse with a 500: ids past bigint, NUL bytes, years outside 2000–2100, unbounded forecast ranges (issue 16).
 */
import { describe, expect, it } from "vitest";
import { DbId, IsoDay, LocationId, UserText } from "../../app/api/params";
import { parseOverrideForm, overrideFieldErrors } from "../../app/dashboard/settings-form";
import { DEFAULT_LIST_QUERY, queryFromSearchParams } from "../../app/dashboard/url-state";
import { ForecastRangeQuery, LeadTimeOverrideKey, MAX_RANGE_DAYS, SettingsInput, VariantListQuery } from "../../app/forecasts/contract";
import { NumericId } from "../../app/forecasts/http";

const BIGINT_MAX = "9223372036854775807";
const PAST_BIGINT = "9223372036854775808";

describe("ids", () => {
  it("accepts 1 … 2^63 − 1 and refuses anything else", () => {
    expect(DbId.parse("1")).toBe("1");
    expect(DbId.parse(BIGINT_MAX)).toBe(BIGINT_MAX);
    for (const bad of [PAST_BIGINT, "99999999999999999999", "0", "007", "-1", "1e3", "", " 1"])
      expect(DbId.safeParse(bad).success).toBe(false);
  });

  it("takes the numeric part of a GID through the same bound", () => {
    expect(NumericId.parse(`gid://shopify/ProductVariant/${BIGINT_MAX}`)).toBe(BIGINT_MAX);
    expect(NumericId.safeParse(`gid://shopify/ProductVariant/${PAST_BIGINT}`).success).toBe(false);
    expect(NumericId.safeParse(PAST_BIGINT).success).toBe(false);
  });

  it("lets a location be 0 (all counted locations)", () => {
    expect(LocationId.parse("0")).toBe("0");
    expect(LocationId.safeParse(PAST_BIGINT).success).toBe(false);
    expect(VariantListQuery.safeParse({ location: PAST_BIGINT }).success).toBe(false);
    expect(ForecastRangeQuery.safeParse({ location: PAST_BIGINT }).success).toBe(false);
    expect(SettingsInput.shape.locationIds.safeParse([PAST_BIGINT]).success).toBe(false);
  });
});

describe("text", () => {
  it("refuses a NUL anywhere, and keeps the rest of Unicode", () => {
    expect(UserText.parse("Smith, Jones & Co. – ü 🦊")).toBe("Smith, Jones & Co. – ü 🦊");
    expect(UserText.safeParse("a\u0000b").success).toBe(false);
    for (const key of ["q", "vendor", "productType"]) expect(VariantListQuery.safeParse({ [key]: "a\u0000b" }).success).toBe(false);
    expect(VariantListQuery.safeParse({ vendor: ["Acme", "a\u0000b"] }).success).toBe(false);
  });

  it("drops a NUL search or filter from the list's URL state, keeping the others", () => {
    const query = queryFromSearchParams(new URLSearchParams("q=a%00b&vendor=x%00&productType=Hats&location=" + PAST_BIGINT));
    expect(query.q).toBeUndefined();
    expect(query.vendor).toBeUndefined();
    expect(query.productType).toEqual(["Hats"]);
    expect(query.location).toBe(DEFAULT_LIST_QUERY.location);
  });

  it("refuses a lead-time override key with a NUL or a product id past bigint as a field error", () => {
    for (const fields of [
      { scope: "vendor", key: "Ac\u0000me" },
      { scope: "product", key: PAST_BIGINT },
      { scope: "product", key: "abc" },
    ]) {
      expect(LeadTimeOverrideKey.safeParse(fields).success).toBe(false);
      const data = new FormData();
      for (const [name, value] of Object.entries({ ...fields, leadTimeDays: "21" })) data.append(name, value);
      const parsed = parseOverrideForm(data);
      expect(parsed.success).toBe(false);
      if (!parsed.success) expect(overrideFieldErrors(parsed.error)).toEqual({ key: "settings.errors.override.key" });
    }
    expect(LeadTimeOverrideKey.parse({ scope: "product", key: `gid://shopify/Product/${BIGINT_MAX}` }).key).toBe(
      `gid://shopify/Product/${BIGINT_MAX}`,
    );
  });
});

describe("days and forecast ranges", () => {
  it("accepts real days from 2000 to 2100 only", () => {
    expect(IsoDay.parse("2000-01-01")).toBe("2000-01-01");
    expect(IsoDay.parse("2100-12-31")).toBe("2100-12-31");
    for (const bad of ["0100-01-01", "0050-06-15", "1999-12-31", "2101-01-01", "2025-02-30", "2025-13-01"])
      expect(IsoDay.safeParse(bad).success).toBe(false);
  });

  it(`bounds a range to ${MAX_RANGE_DAYS} days (three years of history and a year ahead)`, () => {
    expect(ForecastRangeQuery.safeParse({ from: "2022-01-01", to: "2025-12-31" }).success).toBe(true);
    const wide = ForecastRangeQuery.safeParse({ from: "2000-01-01", to: "2025-01-01" });
    expect(wide.success).toBe(false);
    if (!wide.success) expect(wide.error.issues.map((issue) => issue.path.join("."))).toEqual(["to"]);
    expect(ForecastRangeQuery.safeParse({ from: "0100-01-01" }).success).toBe(false);
  });
});
