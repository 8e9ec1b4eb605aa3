/**
 * The rules of entitlement (app/billing/entitlements.ts, decision 0047): no plan = not limited; the cheapest plan
 * that has a feature; 403 refusals of the API and CSV exports; alert rules refused when asked for and held back
 * (not deleted) when stored; extra recipients refused past the plan's number and held back after a downgrade. The
 * module stays in the pure billing core.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  deliveredFrequency,
  entitlementsOf,
  featureRefusal,
  heldRecipients,
  heldRules,
  refusedRecipients,
  refusedRules,
  requiredPlan,
  type BilledRule,
  type Entitlements,
} from "../../app/billing/entitlements";
import { ALERT_FREQUENCIES, BILLED_ALERT_TYPES, CATALOGUE } from "../../app/billing/plans";

const starter = entitlementsOf("starter");
const pro = entitlementsOf("pro");
const enterprise = entitlementsOf("enterprise");

/** A plan unlike any in the catalogue: weekly digests only, no API, no CSV, no extra recipient. */
const bare: Entitlements = {
  plan: "starter",
  limits: { variants: 10, locations: 1 },
  features: { alertFrequencies: ["weekly"], alertTypes: ["out_of_stock"], apiAccess: false, csvExport: false, extraRecipients: 0 },
};

const rule = (id: string, type: BilledRule["type"], frequency: BilledRule["frequency"], enabled = true): BilledRule => ({
  id,
  type,
  frequency,
  enabled,
});

describe("entitlementsOf and requiredPlan", () => {
  it("give the catalogue's features and limits, and the cheapest plan that has a need", () => {
    expect(starter).toEqual({ plan: "starter", features: CATALOGUE.plans.starter.features, limits: CATALOGUE.plans.starter.limits });
    expect(requiredPlan({ alertFrequencies: ["immediate"] })).toBe("pro");
    expect(requiredPlan({ alertTypes: ["dead_stock"] })).toBe("pro");
    expect(requiredPlan({ apiAccess: true })).toBe("pro");
    expect(requiredPlan({ csvExport: true })).toBe("starter");
    expect(requiredPlan({ extraRecipients: 1 })).toBe("starter");
    expect(requiredPlan({ extraRecipients: 5 })).toBe("pro");
    expect(requiredPlan({ extraRecipients: 6 })).toBe("enterprise");
  });

  it("answers null past the largest plan instead of throwing", () => {
    expect(requiredPlan({ extraRecipients: 21 })).toBeNull();
  });
});

describe("featureRefusal", () => {
  it("refuses the API below Pro with the body of the 403, and never a shop that is not limited", () => {
    expect(featureRefusal(starter, "api")).toEqual({ error: "plan_feature", feature: "api", requiredPlan: "pro" });
    expect(featureRefusal(pro, "api")).toBeNull();
    expect(featureRefusal(enterprise, "api")).toBeNull();
    expect(featureRefusal(null, "api")).toBeNull();
  });

  it("keeps CSV export on every plan of the catalogue (decision 0044) and refuses it for a plan without it", () => {
    for (const plan of [starter, pro, enterprise]) expect(featureRefusal(plan, "csv")).toBeNull();
    expect(featureRefusal(bare, "csv")).toEqual({ error: "plan_feature", feature: "csv", requiredPlan: "starter" });
  });
});

describe("alert cadences", () => {
  it("delivers a cadence the plan lacks in its most frequent one", () => {
    expect(deliveredFrequency(starter, "immediate")).toBe("daily");
    expect(deliveredFrequency(starter, "weekly")).toBe("weekly");
    expect(deliveredFrequency(bare, "immediate")).toBe("weekly");
    expect(deliveredFrequency(bare, "daily")).toBe("weekly");
    for (const f of ALERT_FREQUENCIES) {
      expect(deliveredFrequency(pro, f)).toBe(f);
      expect(deliveredFrequency(null, f)).toBe(f);
    }
  });
});

describe("heldRules", () => {
  it("lists the enabled rules a downgraded plan skips (type) or delivers in another cadence", () => {
    const rules = [
      rule("oos", "out_of_stock", "immediate"),
      rule("soon", "stockout_predicted", "daily"),
      rule("dead", "dead_stock", "immediate"),
      rule("off", "dead_stock", "weekly", false),
    ];
    expect(heldRules(starter, rules)).toEqual([
      { ruleId: "oos", type: "out_of_stock", held: "frequency", frequency: "immediate", deliveredAs: "daily", requiredPlan: "pro" },
      { ruleId: "dead", type: "dead_stock", held: "type", requiredPlan: "pro" },
    ]);
    expect(heldRules(pro, rules)).toEqual([]);
    expect(heldRules(null, rules)).toEqual([]);
  });
});

describe("refusedRules", () => {
  const stored = [
    rule("oos", "out_of_stock", "immediate"),
    rule("dead", "dead_stock", "weekly"),
    rule("soon", "stockout_predicted", "daily"),
  ];

  it("passes what was stored as it was, so a downgraded merchant can still save other changes", () => {
    expect(refusedRules(starter, stored, stored)).toEqual([]);
  });

  it("refuses a cadence asked for anew and a type turned on anew, naming the plan that has them", () => {
    const submitted = [
      rule("oos", "out_of_stock", "immediate"),
      rule("dead", "dead_stock", "daily"),
      rule("soon", "stockout_predicted", "immediate"),
      rule("dead-2", "dead_stock", "weekly"),
      rule("rp", "reorder_point", "immediate"),
    ];
    expect(refusedRules(starter, submitted, stored)).toEqual([
      { index: 2, field: "frequency", requiredPlan: "pro" },
      { index: 3, field: "enabled", requiredPlan: "pro" },
      { index: 4, field: "frequency", requiredPlan: "pro" },
    ]);
  });

  it("refuses turning a stored rule of a type the plan lacks back on, and a rule whose type changed under its id", () => {
    const off = [rule("dead", "dead_stock", "weekly", false), rule("x", "out_of_stock", "daily")];
    expect(refusedRules(starter, [rule("dead", "dead_stock", "weekly"), rule("x", "dead_stock", "weekly")], off)).toEqual([
      { index: 0, field: "enabled", requiredPlan: "pro" },
      { index: 1, field: "enabled", requiredPlan: "pro" },
    ]);
  });

  it("lets disabled rules through, and refuses nothing on a plan that has everything or without a plan", () => {
    expect(refusedRules(starter, [rule("new", "dead_stock", "immediate", false)], [])).toEqual([]);
    const everything = BILLED_ALERT_TYPES.flatMap((type) => ALERT_FREQUENCIES.map((f) => rule(`${type}-${f}`, type, f)));
    expect(refusedRules(pro, everything, [])).toEqual([]);
    expect(refusedRules(null, everything, [])).toEqual([]);
  });
});

describe("extra recipients", () => {
  const OWN = "owner@shop.test";
  const r = (email: string, confirmed = true) => ({ email, confirmed });

  it("holds back the confirmed extras past the plan's number, in stored order; the shop's own entry is no extra", () => {
    const stored = [r(OWN), r("a@x.test", false), r("b@x.test"), r("c@x.test"), r("d@x.test")];
    expect(heldRecipients(starter, stored, OWN)).toEqual(["c@x.test", "d@x.test"]);
    expect(heldRecipients(pro, stored, OWN)).toEqual([]);
    expect(heldRecipients(null, stored, OWN)).toEqual([]);
    expect(heldRecipients(bare, stored, " Owner@Shop.test ")).toEqual(["b@x.test", "c@x.test", "d@x.test"]);
  });

  it("refuses new addresses past the plan's number, but not keeping stored ones over it", () => {
    expect(refusedRecipients(starter, [r("a@x.test")], [], OWN)).toEqual([]);
    expect(refusedRecipients(starter, [r(OWN), r("a@x.test"), r("b@x.test"), r("c@x.test")], [], OWN)).toEqual([
      { index: 2, requiredPlan: "pro" },
      { index: 3, requiredPlan: "pro" },
    ]);
    const downgraded = [r("a@x.test"), r("b@x.test"), r("c@x.test")];
    expect(refusedRecipients(starter, downgraded, downgraded, OWN)).toEqual([]);
    expect(refusedRecipients(starter, downgraded.slice(1), downgraded, OWN)).toEqual([]);
    expect(refusedRecipients(starter, [...downgraded.slice(1), r("new@x.test")], downgraded, OWN)).toEqual([
      { index: 2, requiredPlan: "pro" },
    ]);
    const six = Array.from({ length: 6 }, (_, i) => r(`p${i}@x.test`));
    expect(refusedRecipients(pro, six, [], OWN)).toEqual([{ index: 5, requiredPlan: "enterprise" }]);
    expect(refusedRecipients(null, six, [], OWN)).toEqual([]);
  });
});

describe("layering", () => {
  it("imports nothing but the billing core (every domain may import it)", () => {
    const source = readFileSync(path.resolve(import.meta.dirname, "../../app/billing/entitlements.ts"), "utf8");
    const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    expect(imports).toEqual(["./plans"]);
  });
});
