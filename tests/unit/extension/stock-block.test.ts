import { describe, expect, it, vi } from "vitest";
import type { StockAdviceResponse } from "../../../app/api/stock-advice";
import en from "../../../extensions/stock-block/locales/en.default.json";
import es from "../../../extensions/stock-block/locales/es.json";
import fr from "../../../extensions/stock-block/locales/fr.json";
import { loadBlockState, parseResponse, sparkline, toRows, type Localizer } from "../../../extensions/stock-block/src/model";

function localizer(messages: Record<string, unknown>, locale: string): Localizer {
  const lookup = (key: string) =>
    key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages);
  return {
    t: (key, options = {}) => String(lookup(key) ?? key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options[name] ?? "")),
    formatNumber: (value) => new Intl.NumberFormat(locale).format(value),
    formatDay: (iso) =>
      new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`)),
    formatMoney: (value, currency) =>
      currency
        ? new Intl.NumberFormat(locale, { style: "currency", currency }).format(value)
        : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value),
  };
}

const response: StockAdviceResponse = {
  productId: "123",
  generatedAt: "2026-11-25T02:00:00Z",
  variants: [
    {
      variantId: "gid://shopify/ProductVariant/1",
      title: "Red",
      sku: "85123A-R",
      available: 12,
      daysOfCover: 4.4,
      stockoutDate: "2026-11-29",
      reorderPoint: 30,
      reorderQuantity: 60,
      status: "critical",
      weeklyUnits: [10, 12, 14, 20, 18, 16, 22, 24],
    },
    {
      variantId: "gid://shopify/ProductVariant/2",
      title: "Blue",
      sku: null,
      available: 0,
      daysOfCover: 0,
      stockoutDate: null,
      reorderPoint: 5,
      reorderQuantity: 0,
      status: "unknown",
      weeklyUnits: [0, 0, 0, 0, 0, 0, 0, 0],
    },
  ],
};

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

describe("admin block model", () => {
  it("draws a sparkline scaled to the largest week", () => {
    expect(sparkline([0, 4, 8])).toBe("▁▅█");
    expect(sparkline([0, 0])).toBe("▁▁");
    expect(sparkline([])).toBe("");
  });

  it("turns advice into rows in English, Spanish and French", () => {
    const [red, blue] = toRows(response, localizer(en, "en"));
    expect(red).toMatchObject({
      tone: "critical",
      statusText: "At risk",
      cover: "4 days of cover",
      stockout: "Runs out Nov 29",
      reorder: "Reorder 60",
    });
    expect(blue).toMatchObject({
      tone: "neutral",
      cover: "Out of stock",
      stockout: "No stockout expected in 90 days",
      reorder: "No reorder needed",
    });
    expect(toRows(response, localizer(es, "es"))[0]?.reorder).toBe("Pedir 60");
    expect(toRows(response, localizer(fr, "fr"))[0]?.stockout).toBe("Rupture le 29 nov.");
  });

  it("shows an out-of-stock variant as out of stock since a day, losing sales, not as running out", () => {
    const outOfStock = {
      since: "2026-09-03",
      sinceEstimated: true,
      lostUnitsPerDay: 26.8,
      lostUnitsToDate: 2278,
      lostRevenuePerDay: 40.2,
      lostRevenueToDate: 3417,
    };
    const out: StockAdviceResponse = {
      ...response,
      currency: "GBP",
      variants: [{ ...response.variants[1]!, daysOfCover: 0, status: "critical", reorderQuantity: 147, outOfStock }],
    };
    expect(toRows(out, localizer(en, "en"))[0]).toMatchObject({
      tone: "critical",
      statusText: "Out of stock",
      cover: "Out of stock since Sep 3 (estimated)",
      stockout: "Losing £40.20 a day",
      reorder: "Reorder 147",
    });
    const known = { ...out, variants: [{ ...out.variants[0]!, outOfStock: { ...outOfStock, sinceEstimated: false } }] };
    expect(toRows(known, localizer(fr, "fr"))[0]).toMatchObject({
      statusText: "En rupture",
      cover: "En rupture depuis le 3 sept.",
      stockout: expect.stringMatching(/^Perd 40,20\s£GB par jour$/),
    });
    expect(toRows({ ...out, currency: null }, localizer(es, "es"))[0]?.stockout).toBe("Pierde 40,20 al día");
    expect(parseResponse(out)).toEqual(out);
    // An answer from an app that predates the field still parses; a malformed one does not.
    expect(parseResponse(response)).toEqual(response);
    expect(parseResponse({ ...out, variants: [{ ...out.variants[0]!, outOfStock: { since: 3 } }] })).toBeUndefined();
  });

  it("says the last week's latest unusual day, and how many there were", () => {
    const spike = { date: "2026-11-21", kind: "spike" as const, units: 42, expected: 12.3 };
    const drop = { date: "2026-11-23", kind: "drop" as const, units: 0, expected: 9.6 };
    const one: StockAdviceResponse = { ...response, variants: [{ ...response.variants[0]!, unusualSales: [spike] }] };
    expect(toRows(one, localizer(en, "en"))[0]?.unusual).toBe("Sold far more than expected on Nov 21: 42, about 12.3 expected");
    const two: StockAdviceResponse = { ...response, variants: [{ ...response.variants[0]!, unusualSales: [spike, drop] }] };
    expect(toRows(two, localizer(en, "en"))[0]?.unusual).toBe(
      "Sold far less than expected on Nov 23: 0, about 9.6 expected (2 unusual days this week)",
    );
    expect(toRows(two, localizer(fr, "fr"))[0]?.unusual).toBe(
      "Ventes bien en dessous des prévisions le 23 nov. : 0, environ 9,6 attendues (2 jours inhabituels cette semaine)",
    );
    expect(toRows(two, localizer(es, "es"))[0]?.unusual).toMatch(/^Vendió mucho menos de lo previsto el 23 nov/);
    // None, or an app that predates the field: no line.
    expect(toRows(response, localizer(en, "en")).map((row) => row.unusual)).toEqual([null, null]);
    expect(parseResponse(two)).toEqual(two);
    expect(parseResponse({ ...two, variants: [{ ...two.variants[0]!, unusualSales: [{ ...spike, kind: "odd" }] }] })).toBeUndefined();
  });

  it("has the same keys in every language", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
    expect(keys(fr).sort()).toEqual(keys(en).sort());
  });

  it("handles loading outcomes: data, no data, errors and malformed answers", async () => {
    const ok = vi.fn(async () => Response.json(response));
    expect((await loadBlockState("gid://shopify/Product/123", ok, localizer(en, "en"))).kind).toBe("ready");
    expect(ok).toHaveBeenCalledWith("/api/products/123/stock-advice");
    expect(
      (await loadBlockState("gid://shopify/Product/123", async () => new Response(null, { status: 404 }), localizer(en, "en"))).kind,
    ).toBe("empty");
    expect(
      (await loadBlockState("gid://shopify/Product/123", async () => Response.json({ ...response, variants: [] }), localizer(en, "en")))
        .kind,
    ).toBe("empty");
    expect(
      (await loadBlockState("gid://shopify/Product/123", async () => new Response(null, { status: 500 }), localizer(en, "en"))).kind,
    ).toBe("error");
    expect((await loadBlockState("gid://shopify/Product/123", async () => Response.json({ nope: true }), localizer(en, "en"))).kind).toBe(
      "error",
    );
    expect(
      (
        await loadBlockState(
          "gid://shopify/Product/123",
          async () => {
            throw new TypeError("network");
          },
          localizer(en, "en"),
        )
      ).kind,
    ).toBe("error");
    expect((await loadBlockState("not-a-gid", ok, localizer(en, "en"))).kind).toBe("error");
  });
});
