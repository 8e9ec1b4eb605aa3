/** The alert configuration's zod schema: defaults, a full valid configuration, malformed input with field errors, recipients. */
import { describe, expect, it } from "vitest";
import { AlertSettings, defaultRules, parseAlertSettings, recipientsFor } from "../../../app/alerts/rules";

describe("AlertSettings defaults", () => {
  it("gives a merchant's sensible start from an empty object", () => {
    const settings = AlertSettings.parse({});
    expect(settings).toMatchObject({ version: 1, deliveryHour: 8, weeklyDay: "monday", quietHours: null, recipients: [] });
    const byType = Object.fromEntries(settings.rules.map((r) => [r.type, r]));
    expect(byType.out_of_stock).toMatchObject({ enabled: true, frequency: "immediate", minLostRevenuePerDay: 0 });
    expect(byType.stockout_predicted).toMatchObject({ enabled: true, frequency: "daily", withinDays: "lead_time" });
    expect(byType.reorder_point).toMatchObject({ enabled: true, frequency: "daily" });
    expect(byType.low_stock).toMatchObject({ enabled: false, belowUnits: 5, belowDaysOfCover: null });
    expect(byType.dead_stock).toMatchObject({ enabled: true, frequency: "weekly", noSaleForDays: 180, minStockValue: 100 });
    expect(byType.forecast_failed).toMatchObject({ enabled: true, frequency: "immediate" });
    expect(byType.reorder_point).toHaveProperty("scope", { vendors: [], productTypes: [], abcClasses: [], locationIds: [] });
    expect(byType.forecast_failed).not.toHaveProperty("scope");
  });

  it("does not share default objects between parses", () => {
    const a = AlertSettings.parse({});
    a.rules[0]!.enabled = false;
    a.rules[1]!.frequency = "weekly";
    const b = AlertSettings.parse({});
    expect(b.rules[0]!.enabled).toBe(true);
    expect(b.rules[1]!.frequency).toBe("daily");
    expect(defaultRules()).toEqual(b.rules);
  });

  it("reads back what it stored (JSONB round trip)", () => {
    const settings = AlertSettings.parse({
      rules: [
        { id: "oos-a", type: "out_of_stock", minLostRevenuePerDay: 25, scope: { abcClasses: ["A"] } },
        {
          id: "soon",
          type: "stockout_predicted",
          withinDays: 14,
          frequency: "immediate",
          scope: { vendors: ["Acme", "Smith, Jones & Co."] },
        },
        { id: "low", type: "low_stock", belowUnits: null, belowDaysOfCover: 10, scope: { locationIds: ["0", "71234"] } },
        { id: "dead", type: "dead_stock", noSaleForDays: 365, minStockValue: 0, enabled: false },
      ],
      deliveryHour: 0,
      weeklyDay: "sunday",
      quietHours: null,
      recipients: [{ email: "buyer@example.com", confirmed: true, disabledTypes: ["dead_stock", "weekly_summary"] }],
    });
    expect(AlertSettings.parse(JSON.parse(JSON.stringify(settings)))).toEqual(settings);
    expect(settings.rules[1]).toMatchObject({ withinDays: 14, frequency: "immediate", scope: { vendors: ["Acme", "Smith, Jones & Co."] } });
  });
});

describe("parseAlertSettings errors", () => {
  it("names each malformed field with a clear message", () => {
    const result = parseAlertSettings({
      rules: [
        { id: "x", type: "restock_soon" },
        { id: "low", type: "low_stock", belowUnits: null, belowDaysOfCover: null },
        { id: "soon", type: "stockout_predicted", withinDays: 10 },
        {
          id: "Dead Stock!",
          type: "dead_stock",
          noSaleForDays: 100,
          minStockValue: -5,
          scope: { abcClasses: ["D"], locationIds: ["main"] },
        },
        { id: "oos", type: "out_of_stock", frequency: "hourly" },
      ],
      deliveryHour: 24,
      weeklyDay: "mon",
      quietHours: { start: 3, end: 3 },
      recipients: [{ email: "not-an-address" }, { email: "a@b" }],
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.fieldErrors).toEqual({
      "rules.0.type": "Rule type must be one of out_of_stock, stockout_predicted, reorder_point, low_stock, dead_stock, forecast_failed",
      "rules.1.belowUnits": "Set a number of units or a number of days of cover",
      "rules.2.withinDays": 'Choose 7, 14, 30 or "lead_time"',
      "rules.3.id": "Use 1–40 lowercase letters, digits, - or _",
      "rules.3.noSaleForDays": "Choose 90, 180 or 365 days",
      "rules.3.minStockValue": "Must be 0 or more",
      "rules.3.scope.abcClasses.0": "ABC class must be A, B or C",
      "rules.3.scope.locationIds.0": "Must be a numeric id",
      "rules.4.frequency": "Choose immediate, daily or weekly",
      deliveryHour: "Enter a whole hour from 0 to 23",
      weeklyDay: "Choose a day of the week",
      "quietHours.end": "Quiet hours must start and end at different hours",
      "recipients.0.email": "Enter a valid email address",
      "recipients.1.email": "Enter a valid email address",
    });
  });

  it("refuses a fractional hour, a missing id, a non-object rule and wrong types", () => {
    const result = parseAlertSettings({
      rules: [{ type: "reorder_point" }, "reorder_point", { id: "r", type: "reorder_point", enabled: "yes" }],
      deliveryHour: 7.5,
      quietHours: { start: 22, end: -1 },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.fieldErrors).toMatchObject({
      "rules.0.id": "Give the rule an id",
      "rules.1": expect.stringContaining("Rule type must be one of"),
      "rules.2.enabled": "Must be true or false",
      deliveryHour: "Enter a whole hour from 0 to 23",
      "quietHours.end": "Enter a whole hour from 0 to 23",
    });
  });

  it("refuses duplicate rule ids and duplicate recipients (case and spaces do not matter)", () => {
    const result = parseAlertSettings({
      rules: [
        { id: "low", type: "low_stock" },
        { id: "low", type: "low_stock", belowUnits: 2 },
      ],
      recipients: [{ email: " Buyer@Example.com " }, { email: "buyer@example.COM" }],
    });
    expect(result).toEqual({
      success: false,
      fieldErrors: { "rules.1.id": 'Duplicate rule id "low"', "recipients.1.email": "This address is already a recipient" },
    });
  });

  it("refuses addresses that could break a header, and overlong ones", () => {
    for (const email of ["a@b.com\r\nBcc: x@y.com", "a b@c.com", "@example.com", `${"x".repeat(250)}@example.com`]) {
      const result = parseAlertSettings({ recipients: [{ email }] });
      expect(result, email).toEqual({ success: false, fieldErrors: { "recipients.0.email": "Enter a valid email address" } });
    }
  });

  it("accepts a valid configuration and normalises addresses", () => {
    const result = parseAlertSettings({ recipients: [{ email: "  Ops@Example.COM ", confirmed: true }] });
    expect(result.success && result.data.recipients).toEqual([{ email: "ops@example.com", confirmed: true, disabledTypes: [] }]);
  });

  it("limits list sizes", () => {
    const result = parseAlertSettings({ recipients: Array.from({ length: 21 }, (_, i) => ({ email: `r${i}@example.com` })) });
    expect(result).toEqual({ success: false, fieldErrors: { recipients: "At most 20 recipients" } });
  });
});

describe("recipientsFor", () => {
  const settings = AlertSettings.parse({
    recipients: [
      { email: "buyer@example.com", confirmed: true },
      { email: "pending@example.com", confirmed: false },
      { email: "owner@shop.com", disabledTypes: ["dead_stock"] },
      { email: "ops@example.com", confirmed: true, disabledTypes: ["out_of_stock", "weekly_summary"] },
    ],
  });

  it("sends to the shop's own address and confirmed extras that did not turn the topic off", () => {
    expect(recipientsFor(settings, "Owner@Shop.com", "out_of_stock")).toEqual(["owner@shop.com", "buyer@example.com"]);
    expect(recipientsFor(settings, "owner@shop.com", "dead_stock")).toEqual(["buyer@example.com", "ops@example.com"]);
    expect(recipientsFor(settings, "owner@shop.com", "weekly_summary")).toEqual(["owner@shop.com", "buyer@example.com"]);
  });

  it("works without a shop address and without duplicates", () => {
    expect(recipientsFor(settings, null, "reorder_point")).toEqual(["buyer@example.com", "ops@example.com"]);
    expect(recipientsFor(settings, "buyer@example.com", "reorder_point")).toEqual(["buyer@example.com", "ops@example.com"]);
  });
});
