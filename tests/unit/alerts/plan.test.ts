/**
 * The shop's plan applied to its alert settings (app/alerts/plan.ts, decision 0047): the settings as delivered
 * (a type the plan lacks off, a cadence it lacks moved to its digest, extra addresses past its number dropped;
 * the stored settings untouched), the form's field errors of a refused save, the page's view of what is held
 * back, the add-a-recipient check, and every message key they produce translated.
 */
import { describe, expect, it } from "vitest";
import { deliveredSettings, planErrors, planView } from "../../../app/alerts/plan";
import { AlertSettings } from "../../../app/alerts/rules";
import { addRecipientError, settingsToForm } from "../../../app/alerts/settings-form";
import { entitlementsOf } from "../../../app/billing/entitlements";
import { PLAN_IDS } from "../../../app/billing/plans";
import { createI18n, SUPPORTED_LOCALES } from "../../../app/i18n/i18n";

const OWN = "owner@shop.test";
const starter = entitlementsOf("starter");
const pro = entitlementsOf("pro");

/** Defaults (immediate out-of-stock and forecast-failed rules, a dead-stock rule) and three confirmed extras. */
const downgraded = AlertSettings.parse({
  recipients: [
    { email: OWN, confirmed: true, disabledTypes: ["dead_stock"] },
    { email: "a@x.test", confirmed: true },
    { email: "b@x.test", confirmed: false },
    { email: "c@x.test", confirmed: true },
  ],
});

describe("deliveredSettings", () => {
  it("turns off a type the plan lacks, moves immediate to the daily digest and drops the extras past its number", () => {
    const delivered = deliveredSettings(downgraded, starter, OWN);
    const byId = Object.fromEntries(delivered.rules.map((r) => [r.id, r]));
    expect(byId.out_of_stock).toMatchObject({ enabled: true, frequency: "daily" });
    expect(byId.forecast_failed).toMatchObject({ enabled: true, frequency: "daily" });
    expect(byId.dead_stock).toMatchObject({ enabled: false, frequency: "weekly", noSaleForDays: 180 });
    expect(byId.low_stock).toMatchObject({ enabled: false });
    expect(delivered.recipients.map((r) => r.email)).toEqual([OWN, "a@x.test", "b@x.test"]);
    // The stored settings are not changed.
    expect(downgraded.rules.find((r) => r.id === "dead_stock")?.enabled).toBe(true);
    expect(downgraded.recipients).toHaveLength(4);
  });

  it("is the settings themselves on a plan that has everything, or without a plan", () => {
    expect(deliveredSettings(downgraded, pro, OWN)).toEqual(downgraded);
    expect(deliveredSettings(downgraded, null, OWN)).toBe(downgraded);
  });
});

describe("planErrors", () => {
  it("keeps a downgraded shop's stored settings savable", () => {
    expect(planErrors(downgraded, downgraded, starter, OWN)).toEqual({});
  });

  it("puts each refusal on its field, with the message naming the plan that has it", () => {
    const asked = AlertSettings.parse({
      ...downgraded,
      rules: [
        ...downgraded.rules.map((r) => (r.id === "reorder_point" ? { ...r, frequency: "immediate" } : r)),
        { id: "dead-2", type: "dead_stock" },
      ],
      recipients: [...downgraded.recipients, { email: "new@x.test" }],
    });
    const reorder = asked.rules.findIndex((r) => r.id === "reorder_point");
    expect(planErrors(asked, downgraded, starter, OWN)).toEqual({
      [`rules.${reorder}.frequency`]: "errors.plan.pro.frequency",
      [`rules.${asked.rules.length - 1}.enabled`]: "errors.plan.pro.type",
      "recipients.4.email": "errors.plan.pro.recipients",
    });
    expect(planErrors(asked, downgraded, pro, OWN)).toEqual({});
    expect(planErrors(asked, downgraded, null, OWN)).toEqual({});
  });
});

describe("planView", () => {
  it("tells the page what each choice needs and what is held back", () => {
    expect(planView(downgraded, starter, OWN)).toEqual({
      plan: "starter",
      needs: { frequencies: { immediate: "pro" }, types: { dead_stock: "pro" } },
      extraRecipients: 1,
      moreRecipients: "pro",
      held: {
        rules: [
          {
            ruleId: "out_of_stock",
            type: "out_of_stock",
            held: "frequency",
            frequency: "immediate",
            deliveredAs: "daily",
            requiredPlan: "pro",
          },
          { ruleId: "dead_stock", type: "dead_stock", held: "type", requiredPlan: "pro" },
          {
            ruleId: "forecast_failed",
            type: "forecast_failed",
            held: "frequency",
            frequency: "immediate",
            deliveredAs: "daily",
            requiredPlan: "pro",
          },
        ],
        recipients: ["c@x.test"],
      },
      recipientsError: "errors.plan.pro.recipients",
    });
    expect(planView(downgraded, pro, OWN)).toMatchObject({ needs: { frequencies: {}, types: {} }, held: { rules: [], recipients: [] } });
    expect(planView(downgraded, null, OWN)).toBeNull();
  });
});

describe("addRecipientError with a plan", () => {
  it("refuses an address past the plan's extra recipients, not counting the shop's own entry", () => {
    const values = settingsToForm(AlertSettings.parse({ recipients: [{ email: OWN }, { email: "a@x.test" }] }));
    const view = planView(AlertSettings.parse({}), starter, OWN)!;
    expect(addRecipientError("b@x.test", values, OWN, view)).toBe("errors.plan.pro.recipients");
    expect(addRecipientError("b@x.test", values, OWN, planView(AlertSettings.parse({}), pro, OWN))).toBeNull();
    expect(addRecipientError("b@x.test", values, OWN, null)).toBeNull();
    const alone = settingsToForm(AlertSettings.parse({ recipients: [{ email: OWN }] }));
    expect(addRecipientError("b@x.test", alone, OWN, view)).toBeNull();
  });
});

describe("the plan's messages", () => {
  it("are translated in every language for every plan a refusal can name", () => {
    const keys = [
      "errors.plan.none",
      ...PLAN_IDS.slice(1).flatMap((p) => ["type", "frequency", "recipients"].map((w) => `errors.plan.${p}.${w}`)),
    ];
    for (const locale of SUPPORTED_LOCALES) {
      const t = createI18n(locale).getFixedT(locale, "alerts");
      for (const key of keys) expect(t(key), `${locale} ${key}`).not.toBe(key);
      expect(t("plan.heldRecipients", { count: 2, emails: "a, b" })).toContain("a, b");
      expect(createI18n(locale).getFixedT(locale)("csvExport.refusedPlan", { plan: "Pro" })).toContain("Pro");
    }
  });
});
