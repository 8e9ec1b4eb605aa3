import { describe, expect, it } from "vitest";
import signalsEn from "../../../app/i18n/locales/signals/en.json";
import signalsEs from "../../../app/i18n/locales/signals/es.json";
import signalsFr from "../../../app/i18n/locales/signals/fr.json";
import { createI18n } from "../../../app/i18n/i18n";
import {
  campaignErrors,
  campaignFormValues,
  campaignSchema,
  campaignStatus,
  earliestStart,
  errorKey,
  parseCampaignForm,
  sortCampaigns,
  type CampaignFormValues,
} from "../../../app/signals/campaigns";

const TODAY = "2026-12-07";

const VALID: CampaignFormValues = {
  title: "Winter sale",
  startDay: "2026-12-10",
  endDay: "2026-12-24",
  target: "all",
  productIds: [],
  productTypes: [],
  percentOff: "",
  expectedUpliftPct: "",
};

type Fields = Partial<Record<keyof CampaignFormValues, string | string[] | null>>;

/** The form as the page posts it, with changes; null leaves a field out, an array repeats it. */
function form(change: Fields = {}): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries({ ...VALID, ...change })) {
    if (value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) data.append(name, item);
  }
  return data;
}

function errorsOf(change: Fields, today = TODAY) {
  const parsed = parseCampaignForm(form(change), today);
  if (parsed.ok) throw new Error(`expected errors for ${JSON.stringify(change)}`);
  return parsed.errors;
}

function parsedOf(change: Fields, today = TODAY) {
  const parsed = parseCampaignForm(form(change), today);
  if (!parsed.ok) throw new Error(`unexpected errors ${JSON.stringify(parsed.errors)}`);
  return parsed.campaign;
}

describe("a valid campaign", () => {
  it("is read with its title trimmed, all products and no depth or expectation", () => {
    expect(parsedOf({ title: "  Winter sale  " })).toEqual({
      title: "Winter sale",
      startDay: "2026-12-10",
      endDay: "2026-12-24",
      target: { kind: "all" },
      percentOff: null,
      expectedUpliftPct: null,
    });
  });

  it("keeps chosen products once each, or product types, and only the list of its target kind", () => {
    expect(parsedOf({ target: "products", productIds: ["12", "7", "12"], productTypes: ["Mugs"] }).target).toEqual({
      kind: "products",
      productIds: ["12", "7"],
    });
    expect(parsedOf({ target: "productTypes", productTypes: [" Mugs ", "Candles", "Mugs"] }).target).toEqual({
      kind: "productTypes",
      productTypes: ["Mugs", "Candles"],
    });
    expect(parsedOf({ target: "all", productIds: ["12"] }).target).toEqual({ kind: "all" });
  });

  it("reads a depth and an expected uplift as typed, with a decimal point or comma", () => {
    const campaign = parsedOf({ percentOff: "12,5", expectedUpliftPct: "-20" });
    expect(campaign.percentOff).toBe(12.5);
    expect(campaign.expectedUpliftPct).toBe(-20);
    expect(parsedOf({ percentOff: "0", expectedUpliftPct: "+500" })).toMatchObject({ percentOff: 0, expectedUpliftPct: 500 });
    expect(parsedOf({ percentOff: "100", expectedUpliftPct: "-90" })).toMatchObject({ percentOff: 100, expectedUpliftPct: -90 });
    expect(parsedOf({ expectedUpliftPct: "  " }).expectedUpliftPct).toBeNull();
  });

  it("may last one day, or run to 366 days after its first, and start two years ago to the day", () => {
    expect(parsedOf({ startDay: "2026-12-10", endDay: "2026-12-10" }).endDay).toBe("2026-12-10");
    expect(parsedOf({ startDay: "2026-01-01", endDay: "2027-01-02" }).endDay).toBe("2027-01-02");
    expect(parsedOf({ startDay: "2024-12-07", endDay: "2024-12-08" }).startDay).toBe("2024-12-07");
  });

  it("takes 200 products", () => {
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    expect(parsedOf({ target: "products", productIds: ids }).target).toEqual({ kind: "products", productIds: ids });
  });
});

describe("every rule has its field error", () => {
  const cases: [string, Fields, Record<string, string>][] = [
    ["an empty title", { title: "   " }, { title: errorKey("title", "required") }],
    ["a title of 121 characters", { title: "x".repeat(121) }, { title: errorKey("title", "tooLong") }],
    ["a title with NUL", { title: "a\u0000b" }, { title: errorKey("title", "invalid") }],
    ["a title sent twice", { title: ["a", "b"] }, { title: errorKey("title", "invalid") }],
    ["no first day", { startDay: "" }, { startDay: errorKey("startDay", "required") }],
    ["a first day that does not exist", { startDay: "2026-02-30" }, { startDay: errorKey("startDay", "invalid") }],
    ["a first day not in ISO form", { startDay: "10/12/2026" }, { startDay: errorKey("startDay", "invalid") }],
    [
      "a first day past 2100",
      { startDay: "2101-01-01", endDay: "2101-01-02" },
      { startDay: errorKey("startDay", "invalid"), endDay: errorKey("endDay", "invalid") },
    ],
    ["a first day more than two years ago", { startDay: "2024-12-06", endDay: "2024-12-10" }, { startDay: errorKey("startDay", "tooOld") }],
    ["no last day", { endDay: null }, { endDay: errorKey("endDay", "required") }],
    ["a last day that does not exist", { endDay: "2026-13-01" }, { endDay: errorKey("endDay", "invalid") }],
    ["a last day before the first", { startDay: "2026-12-10", endDay: "2026-12-09" }, { endDay: errorKey("endDay", "beforeStart") }],
    ["a last day 367 days after the first", { startDay: "2026-01-01", endDay: "2027-01-03" }, { endDay: errorKey("endDay", "tooLong") }],
    ["an unknown target", { target: "collections" }, { target: errorKey("target", "invalid") }],
    ["no target", { target: null }, { target: errorKey("target", "invalid") }],
    ["products without any", { target: "products" }, { productIds: errorKey("productIds", "required") }],
    [
      "201 products",
      { target: "products", productIds: Array.from({ length: 201 }, (_, i) => String(i + 1)) },
      { productIds: errorKey("productIds", "tooMany") },
    ],
    ["a product id that is not one", { target: "products", productIds: ["12", "abc"] }, { productIds: errorKey("productIds", "invalid") }],
    [
      "a product id past bigint",
      { target: "products", productIds: ["9223372036854775808"] },
      { productIds: errorKey("productIds", "invalid") },
    ],
    ["a product id of 0", { target: "products", productIds: ["0"] }, { productIds: errorKey("productIds", "invalid") }],
    ["product types without any", { target: "productTypes" }, { productTypes: errorKey("productTypes", "required") }],
    [
      "201 product types",
      { target: "productTypes", productTypes: Array.from({ length: 201 }, (_, i) => `Type ${i}`) },
      { productTypes: errorKey("productTypes", "tooMany") },
    ],
    [
      "an empty product type",
      { target: "productTypes", productTypes: ["Mugs", " "] },
      { productTypes: errorKey("productTypes", "invalid") },
    ],
    [
      "a product type of 256 characters",
      { target: "productTypes", productTypes: ["x".repeat(256)] },
      { productTypes: errorKey("productTypes", "invalid") },
    ],
    [
      "a product type with NUL",
      { target: "productTypes", productTypes: ["a\u0000"] },
      { productTypes: errorKey("productTypes", "invalid") },
    ],
    ["a depth that is a word", { percentOff: "twenty" }, { percentOff: errorKey("percentOff", "invalid") }],
    ["a depth as an exponent", { percentOff: "1e2" }, { percentOff: errorKey("percentOff", "invalid") }],
    ["a depth below 0", { percentOff: "-1" }, { percentOff: errorKey("percentOff", "range") }],
    ["a depth over 100", { percentOff: "100.5" }, { percentOff: errorKey("percentOff", "range") }],
    ["an uplift that is not a number", { expectedUpliftPct: "lots" }, { expectedUpliftPct: errorKey("expectedUpliftPct", "invalid") }],
    ["an uplift below −90 %", { expectedUpliftPct: "-90.5" }, { expectedUpliftPct: errorKey("expectedUpliftPct", "range") }],
    ["an uplift over 500 %", { expectedUpliftPct: "501" }, { expectedUpliftPct: errorKey("expectedUpliftPct", "range") }],
    ["an uplift of 20 digits", { expectedUpliftPct: "1".repeat(20) }, { expectedUpliftPct: errorKey("expectedUpliftPct", "invalid") }],
  ];
  it.each(cases)("%s", (_, change, expected) => {
    expect(errorsOf(change)).toEqual(expected);
  });

  it("reports every bad field at once, the first problem of each", () => {
    expect(
      errorsOf({ title: "", startDay: "2026-02-30", endDay: "", target: "products", percentOff: "101", expectedUpliftPct: "x" }),
    ).toEqual({
      title: errorKey("title", "required"),
      startDay: errorKey("startDay", "invalid"),
      endDay: errorKey("endDay", "required"),
      productIds: errorKey("productIds", "required"),
      percentOff: errorKey("percentOff", "range"),
      expectedUpliftPct: errorKey("expectedUpliftPct", "invalid"),
    });
  });

  it("refuses a title with a lone surrogate (a form's body cannot carry one, a caller's object can)", () => {
    const parsed = campaignSchema(TODAY).safeParse({ ...VALID, title: "a\uD800b" });
    expect(parsed.success ? {} : campaignErrors(parsed.error)).toEqual({ title: errorKey("title", "invalid") });
  });

  it("compares the days beside a bad target", () => {
    expect(errorsOf({ target: "collections", endDay: "2026-12-01", percentOff: "x" })).toEqual({
      target: errorKey("target", "invalid"),
      endDay: errorKey("endDay", "beforeStart"),
      percentOff: errorKey("percentOff", "invalid"),
    });
  });

  it("counts two years back from the shop's today, 28 February for a 29th", () => {
    expect(earliestStart("2026-12-07")).toBe("2024-12-07");
    expect(earliestStart("2028-02-29")).toBe("2026-02-28");
    expect(errorsOf({ startDay: "2026-02-27", endDay: "2026-03-01" }, "2028-02-29")).toEqual({ startDay: errorKey("startDay", "tooOld") });
    expect(parsedOf({ startDay: "2026-02-28", endDay: "2026-03-01" }, "2028-02-29").startDay).toBe("2026-02-28");
  });
});

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

describe("the words", () => {
  it("has the same keys in English, Spanish and French", () => {
    expect(keys(signalsEs).sort()).toEqual(keys(signalsEn).sort());
    expect(keys(signalsFr).sort()).toEqual(keys(signalsEn).sort());
  });

  it("has a message for every error key, in every language", () => {
    const errorKeys = keys(signalsEn.campaigns.errors, "signals:campaigns.errors");
    expect(errorKeys).toContain(errorKey("productIds", "notFound"));
    for (const locale of ["en", "es", "fr"] as const) {
      const i18n = createI18n(locale);
      for (const key of errorKeys) {
        expect(i18n.exists(key), `${locale} ${key}`).toBe(true);
        expect(i18n.t(key)).not.toBe(key);
      }
    }
    expect(createI18n("fr").t(errorKey("endDay", "beforeStart"))).toBe(signalsFr.campaigns.errors.endDay.beforeStart);
  });
});

describe("status and order", () => {
  it("is upcoming before its first day, running through its last, past after", () => {
    const c = { startDay: "2026-12-10", endDay: "2026-12-12" };
    expect(campaignStatus(c, "2026-12-09")).toBe("upcoming");
    expect(campaignStatus(c, "2026-12-10")).toBe("running");
    expect(campaignStatus(c, "2026-12-12")).toBe("running");
    expect(campaignStatus(c, "2026-12-13")).toBe("past");
  });

  it("lists running, then upcoming soonest first, then past latest first", () => {
    const list = [
      { title: "past-old", startDay: "2026-01-01", endDay: "2026-01-05" },
      { title: "later", startDay: "2027-03-01", endDay: "2027-03-05" },
      { title: "now", startDay: "2026-12-01", endDay: "2026-12-31" },
      { title: "past-recent", startDay: "2026-11-01", endDay: "2026-11-05" },
      { title: "soon", startDay: "2026-12-20", endDay: "2026-12-26" },
    ];
    expect(sortCampaigns(list, TODAY).map((c) => c.title)).toEqual(["now", "soon", "later", "past-recent", "past-old"]);
  });

  it("fills the form of a stored campaign, and of a new one (a week from today)", () => {
    expect(campaignFormValues(null, TODAY)).toMatchObject({ startDay: TODAY, endDay: "2026-12-13", target: "all", expectedUpliftPct: "" });
    const stored = parsedOf({ target: "products", productIds: ["5"], percentOff: "15", expectedUpliftPct: "40" });
    expect(campaignFormValues(stored, TODAY)).toEqual({
      ...VALID,
      target: "products",
      productIds: ["5"],
      percentOff: "15",
      expectedUpliftPct: "40",
    });
    expect(parseCampaignForm(form(campaignFormValues(stored, TODAY)), TODAY)).toEqual({ ok: true, campaign: stored });
  });
});
