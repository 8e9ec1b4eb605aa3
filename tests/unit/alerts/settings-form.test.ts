/** The alert settings page's form ↔ AlertSettings: round trip, typed numbers, field errors mapped to fields and message keys. */
import { describe, expect, it } from "vitest";
import { AlertSettings, parseAlertSettings } from "../../../app/alerts/rules";
import {
  addRecipientError,
  formErrors,
  formFieldOf,
  formToSettings,
  numberFrom,
  parseAlertForm,
  settingsToForm,
  type AlertFormValues,
} from "../../../app/alerts/settings-form";
import en from "../../../app/i18n/locales/alerts/en.json";

function errorsOf(values: AlertFormValues): Record<string, string> {
  const parsed = parseAlertSettings(formToSettings(values));
  if (parsed.success) throw new Error("expected field errors");
  return formErrors(parsed.fieldErrors, values);
}

function ruleIndex(values: AlertFormValues, type: string): number {
  const index = values.rules.findIndex((rule) => rule.type === type);
  if (index < 0) throw new Error(`no ${type} rule`);
  return index;
}

/** The default settings as the form shows them, with a change to the rule of `type`. */
function withRule(type: string, change: Record<string, string>): AlertFormValues {
  const values = settingsToForm(AlertSettings.parse({}));
  const index = ruleIndex(values, type);
  values.rules[index] = { ...values.rules[index]!, ...change } as AlertFormValues["rules"][number];
  return values;
}

const FULL = AlertSettings.parse({
  rules: [
    { id: "oos", type: "out_of_stock", minLostRevenuePerDay: 12.5, scope: { vendors: ["Acme"], abcClasses: ["A"] } },
    { id: "soon", type: "stockout_predicted", withinDays: 14, frequency: "immediate" },
    { id: "lead", type: "stockout_predicted", withinDays: "lead_time", enabled: false },
    { id: "rop", type: "reorder_point", scope: { locationIds: ["1001", "0"] } },
    { id: "low", type: "low_stock", belowUnits: null, belowDaysOfCover: 4.5 },
    { id: "dead", type: "dead_stock", noSaleForDays: 365, minStockValue: 250, frequency: "weekly", scope: { productTypes: ["Mugs"] } },
    { id: "ops", type: "forecast_failed", frequency: "daily" },
  ],
  deliveryHour: 6,
  weeklyDay: "friday",
  quietHours: { start: 21, end: 7 },
  recipients: [{ email: "buyer@shop.test", confirmed: true, disabledTypes: ["dead_stock"] }],
  locale: "fr",
  branding: { senderName: "Acme Alerts", logoUrl: "https://cdn.example/logo.png", accentColor: "#1A6B3C" },
});

describe("settings ↔ form", () => {
  it("round-trips every field of a full configuration but the confirmation state, which is the server's", () => {
    const values = settingsToForm(FULL);
    expect(values.quietHours).toEqual({ enabled: true, start: "21", end: "7" });
    expect(values.rules[4]).toMatchObject({ type: "low_stock", belowUnits: "", belowDaysOfCover: "4.5" });
    expect(values.branding.accentColor).toBe("#1a6b3c");
    expect(values.recipients).toEqual([{ email: "buyer@shop.test", disabledTypes: ["dead_stock"] }]);
    const parsed = parseAlertSettings(formToSettings(values));
    expect(parsed.success && parsed.data).toEqual({ ...FULL, recipients: FULL.recipients.map((r) => ({ ...r, confirmed: false })) });
  });

  it("round-trips the defaults, with quiet hours off and the merchant's language", () => {
    const defaults = AlertSettings.parse({});
    const values = settingsToForm(defaults);
    expect(values.quietHours.enabled).toBe(false);
    expect(values.locale).toBe("");
    expect(values.branding).toEqual({ senderName: "", logoUrl: "", accentColor: "" });
    const parsed = parseAlertSettings(formToSettings(values));
    expect(parsed.success && parsed.data).toEqual(defaults);
  });

  it("reads numbers as typed: a decimal comma, spaces, empty = not set", () => {
    expect(numberFrom(" 1 250,5 ")).toBe(1250.5);
    expect(numberFrom("")).toBeNaN();
    expect(numberFrom("ten")).toBeNaN();
    const values = withRule("low_stock", { belowUnits: "", belowDaysOfCover: "3,5" });
    const parsed = parseAlertSettings(formToSettings(values));
    const low = parsed.success ? parsed.data.rules.find((r) => r.type === "low_stock") : undefined;
    expect(low).toMatchObject({ belowUnits: null, belowDaysOfCover: 3.5 });
  });

  it("turns quiet hours off and blank branding into null", () => {
    const values = settingsToForm(FULL);
    values.quietHours.enabled = false;
    values.branding = { senderName: "  ", logoUrl: "", accentColor: "" };
    values.locale = "";
    expect(formToSettings(values)).toMatchObject({
      quietHours: null,
      locale: null,
      branding: { senderName: null, logoUrl: null, accentColor: null },
    });
  });

  it("accepts only the form's JSON shape", () => {
    const values = settingsToForm(FULL);
    expect(parseAlertForm(JSON.stringify(values))).toEqual(values);
    expect(parseAlertForm("{not json")).toBeNull();
    expect(parseAlertForm(JSON.stringify({ ...values, rules: [{ type: "nonsense" }] }))).toBeNull();
    expect(parseAlertForm(null)).toBeNull();
  });
});

describe("field errors", () => {
  it("puts each error on the field of its path, with a message key of the alerts namespace", () => {
    const values = withRule("stockout_predicted", { withinDays: "10" });
    const dead = ruleIndex(values, "dead_stock");
    const oos = ruleIndex(values, "out_of_stock");
    values.rules[dead] = { ...values.rules[dead]!, minStockValue: "-5" } as AlertFormValues["rules"][number];
    values.rules[oos] = { ...values.rules[oos]!, minLostRevenuePerDay: "" } as AlertFormValues["rules"][number];
    values.branding.logoUrl = "http://insecure.example/logo.png";
    values.branding.accentColor = "green";
    const errors = errorsOf(values);
    const soon = ruleIndex(values, "stockout_predicted");
    expect(errors).toEqual({
      [`rules.${soon}.withinDays`]: "errors.withinDays",
      [`rules.${dead}.minStockValue`]: "errors.money",
      [`rules.${oos}.minLostRevenuePerDay`]: "errors.money",
      "branding.logoUrl": "errors.logoUrl",
      "branding.accentColor": "errors.accentColor",
    });
  });

  it("tells which of a field's reasons applies", () => {
    const both = withRule("low_stock", { belowUnits: "", belowDaysOfCover: "" });
    const low = ruleIndex(both, "low_stock");
    expect(errorsOf(both)).toEqual({ [`rules.${low}.belowUnits`]: "errors.lowStockNeedsOne" });
    expect(errorsOf(withRule("low_stock", { belowUnits: "0" }))).toEqual({ [`rules.${low}.belowUnits`]: "errors.count" });

    const quiet = settingsToForm(FULL);
    quiet.quietHours = { enabled: true, start: "22", end: "22" };
    expect(errorsOf(quiet)).toEqual({ "quietHours.end": "errors.quietSame" });

    const twice = settingsToForm(FULL);
    twice.recipients.push({ email: "Buyer@Shop.test", disabledTypes: [] }, { email: "not-an-address", disabledTypes: [] });
    expect(errorsOf(twice)).toEqual({ "recipients.1.email": "errors.recipientDuplicate", "recipients.2.email": "errors.email" });
  });

  it("shows a scope item's error on its list, and what belongs to no field on the form", () => {
    expect(formFieldOf("rules.0.scope.vendors.3")).toBe("rules.0.scope.vendors");
    expect(formFieldOf("rules.2.scope.abcClasses.0")).toBe("rules.2.scope.abcClasses");
    expect(formFieldOf("recipients")).toBe("recipients");
    expect(formFieldOf("rules.2")).toBe("form");
    expect(formFieldOf("rules.2.type")).toBe("form");
    expect(formFieldOf("version")).toBe("form");
    const bad = settingsToForm(FULL);
    bad.rules[0] = {
      ...bad.rules[0]!,
      scope: { vendors: [], productTypes: [], abcClasses: ["Z"], locationIds: ["x1"] },
    } as AlertFormValues["rules"][number];
    bad.rules[1] = { ...bad.rules[1]!, id: "Not An Id" };
    expect(errorsOf(bad)).toEqual({
      "rules.0.scope.abcClasses": "errors.scope",
      "rules.0.scope.locationIds": "errors.scope",
      "rules.1.id": "errors.ruleId",
    });
  });

  it("has an English text for every message key it can give", () => {
    const keys = new Set(Object.keys(en.errors).map((key) => `errors.${key}`));
    const values = settingsToForm(FULL);
    const samples = [
      "rules.0.id",
      "rules.0.enabled",
      "rules.0.frequency",
      "rules.0.minLostRevenuePerDay",
      "rules.1.withinDays",
      "rules.4.belowUnits",
      "rules.4.belowDaysOfCover",
      "rules.5.noSaleForDays",
      "rules.5.minStockValue",
      "rules.0.scope.vendors",
      "rules",
      "deliveryHour",
      "weeklyDay",
      "quietHours.start",
      "quietHours.end",
      "locale",
      "recipients",
      "recipients.0.email",
      "branding.senderName",
      "branding.logoUrl",
      "branding.accentColor",
      "version",
    ];
    for (const key of Object.values(formErrors(Object.fromEntries(samples.map((path) => [path, "x"])), values)))
      expect(keys).toContain(key);
  });
});

describe("adding a recipient", () => {
  const values = settingsToForm(FULL);

  it("refuses what the list cannot take, with the reason", () => {
    expect(addRecipientError("nope", values, "owner@shop.test")).toBe("errors.email");
    expect(addRecipientError(" OWNER@shop.test ", values, "owner@shop.test")).toBe("errors.recipientIsShop");
    expect(addRecipientError("buyer@SHOP.test", values, "owner@shop.test")).toBe("errors.recipientDuplicate");
    const full = { ...values, recipients: Array.from({ length: 20 }, (_, i) => ({ email: `r${i}@shop.test`, disabledTypes: [] })) };
    expect(addRecipientError("new@shop.test", full, null)).toBe("errors.tooManyRecipients");
  });

  it("accepts a new address", () => {
    expect(addRecipientError("planner@shop.test", values, "owner@shop.test")).toBeNull();
    expect(addRecipientError("planner@shop.test", values, null)).toBeNull();
  });
});
