import { describe, expect, it } from "vitest";
import {
  overrideFieldErrors,
  parseOverrideForm,
  parseSettingsForm,
  settingsFieldErrors,
  settingsToFormValues,
} from "../../../app/dashboard/settings-form";

function form(fields: Record<string, string | string[]>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) for (const item of [value].flat()) data.append(key, item);
  return data;
}

const VALID = {
  serviceLevelPercent: "95",
  leadTimeDays: "14",
  leadTimeSdDays: "3",
  reviewPeriodDays: "7",
  orderCost: "25",
  holdingCostPercent: "25",
  locationIds: ["1", "2"],
};

describe("settings form", () => {
  it("turns percentages into the contract's fractions", () => {
    const parsed = parseSettingsForm(form({ ...VALID, serviceLevelPercent: "97,5" }));
    expect(parsed.success && parsed.data).toEqual({
      serviceLevel: 0.975,
      leadTimeDays: 14,
      leadTimeSdDays: 3,
      reviewPeriodDays: 7,
      orderCost: 25,
      holdingCostRate: 0.25,
      locationIds: ["1", "2"],
    });
  });

  it("reports each invalid field under the form's own field name", () => {
    const parsed = parseSettingsForm(form({ ...VALID, serviceLevelPercent: "120", leadTimeDays: "", reviewPeriodDays: "2.5" }));
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(settingsFieldErrors(parsed.error)).toEqual({
      serviceLevelPercent: "settings.errors.serviceLevel",
      leadTimeDays: "settings.errors.leadTimeDays",
      reviewPeriodDays: "settings.errors.reviewPeriodDays",
    });
  });

  it("accepts no locations (every location counts)", () => {
    const { locationIds: _ignored, ...rest } = VALID;
    const parsed = parseSettingsForm(form(rest));
    expect(parsed.success && parsed.data.locationIds).toEqual([]);
  });

  it("validates a lead-time override", () => {
    const ok = parseOverrideForm(form({ scope: "vendor", key: "Acme", leadTimeDays: "21" }));
    expect(ok.success && ok.data).toEqual({ scope: "vendor", key: "Acme", leadTimeDays: 21, leadTimeSdDays: 0 });
    const bad = parseOverrideForm(form({ scope: "vendor", key: "", leadTimeDays: "400" }));
    expect(bad.success).toBe(false);
    if (!bad.success)
      expect(overrideFieldErrors(bad.error)).toEqual({
        key: "settings.errors.override.key",
        leadTimeDays: "settings.errors.override.leadTimeDays",
      });
  });

  it("shows stored settings as the merchant typed them", () => {
    expect(
      settingsToFormValues({
        serviceLevel: 0.95,
        leadTimeDays: 14,
        leadTimeSdDays: 3,
        reviewPeriodDays: 7,
        orderCost: 25,
        holdingCostRate: 0.255,
        locationIds: ["1", "2"],
      }),
    ).toEqual({ ...VALID, holdingCostPercent: "25.5" });
  });
});
