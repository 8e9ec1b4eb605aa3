/**
 * The block's logic, kept free of UI and globals so it is unit-tested from the app's test suite
 * (tests/unit/extension/stock-block.test.ts).
 */
import type {
  OutOfStockAdvice,
  StockAdviceResponse,
  StockStatus,
  UnusualSalesDay,
  VariantStockAdvice,
} from "../../../app/api/stock-advice";

export type Translate = (key: string, options?: Record<string, string | number>) => string;

/** Text and formatting in the admin user's language (the admin's i18n API, or Intl in tests). */
export interface Localizer {
  t: Translate;
  formatNumber(value: number): string;
  /** A short day-and-month for a YYYY-MM-DD date. */
  formatDay(isoDate: string): string;
  /** Money in the shop's currency (ISO 4217), or a plain amount when the currency is unknown. */
  formatMoney(value: number, currency: string | null): string;
}

export type BlockState = { kind: "loading" } | { kind: "error" } | { kind: "empty" } | { kind: "ready"; rows: VariantRow[] };

export interface VariantRow {
  id: string;
  title: string;
  tone: "critical" | "warning" | "success" | "neutral";
  statusText: string;
  cover: string;
  stockout: string;
  reorder: string;
  trend: string;
  /** The latest unusual day of the last week, and how many there were; null when none. */
  unusual: string | null;
}

const TONES: Record<StockStatus, VariantRow["tone"]> = { critical: "critical", warning: "warning", ok: "success", unknown: "neutral" };
const BARS = "▁▂▃▄▅▆▇█";

/** A text sparkline: one bar per value, scaled to the largest. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max === 0) return values.map(() => BARS[0]).join("");
  return values.map((value) => BARS[Math.min(BARS.length - 1, Math.round((Math.max(0, value) / max) * (BARS.length - 1)))]).join("");
}

function isOutOfStock(value: unknown): value is OutOfStockAdvice {
  if (typeof value !== "object" || value === null) return false;
  const o = value as Record<string, unknown>;
  return (
    typeof o.since === "string" &&
    typeof o.sinceEstimated === "boolean" &&
    typeof o.lostUnitsPerDay === "number" &&
    typeof o.lostRevenuePerDay === "number"
  );
}

function isUnusualDay(value: unknown): value is UnusualSalesDay {
  if (typeof value !== "object" || value === null) return false;
  const o = value as Record<string, unknown>;
  return (
    typeof o.date === "string" && (o.kind === "spike" || o.kind === "drop") && typeof o.units === "number" && typeof o.expected === "number"
  );
}

function isVariant(value: unknown): value is VariantStockAdvice {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.variantId === "string" &&
    typeof v.title === "string" &&
    typeof v.available === "number" &&
    (v.daysOfCover === null || typeof v.daysOfCover === "number") &&
    (v.stockoutDate === null || typeof v.stockoutDate === "string") &&
    typeof v.reorderQuantity === "number" &&
    typeof v.status === "string" &&
    v.status in TONES &&
    Array.isArray(v.weeklyUnits) &&
    v.weeklyUnits.every((n) => typeof n === "number") &&
    // Added later: an app that predates it sends none.
    (v.outOfStock === undefined || v.outOfStock === null || isOutOfStock(v.outOfStock)) &&
    (v.unusualSales === undefined || (Array.isArray(v.unusualSales) && v.unusualSales.every(isUnusualDay)))
  );
}

export function parseResponse(json: unknown): StockAdviceResponse | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const body = json as Record<string, unknown>;
  if (typeof body.productId !== "string" || !Array.isArray(body.variants) || !body.variants.every(isVariant)) return undefined;
  return body as unknown as StockAdviceResponse;
}

/** The latest unusual day in a sentence, with how many there were in the last week when more than one. */
function unusualText(days: readonly UnusualSalesDay[], { t, formatNumber, formatDay }: Localizer): string | null {
  const latest = days.at(-1);
  if (!latest) return null;
  const text = t(`unusual.${latest.kind}`, {
    date: formatDay(latest.date),
    units: formatNumber(latest.units),
    expected: formatNumber(latest.expected),
  });
  return days.length > 1 ? t("unusual.days", { text, days: formatNumber(days.length) }) : text;
}

export function toRows(response: StockAdviceResponse, localizer: Localizer): VariantRow[] {
  const { t, formatNumber, formatDay, formatMoney } = localizer;
  return response.variants.map((variant) => {
    const reorder = variant.reorderQuantity > 0 ? t("reorder", { quantity: formatNumber(variant.reorderQuantity) }) : t("noReorder");
    const trend = t("trend", { sparkline: sparkline(variant.weeklyUnits) });
    const unusual = unusualText(variant.unusualSales ?? [], localizer);
    const out = variant.outOfStock;
    // Out of stock now: since when, and the sales it loses a day, instead of a cover and a stockout date.
    if (out)
      return {
        id: variant.variantId,
        title: variant.title,
        tone: "critical",
        statusText: t("status.outOfStock"),
        cover: t(out.sinceEstimated ? "outOfStockSinceEstimated" : "outOfStockSince", { date: formatDay(out.since) }),
        stockout: t("losing", { revenue: formatMoney(out.lostRevenuePerDay, response.currency ?? null) }),
        reorder,
        trend,
        unusual,
      };
    return {
      id: variant.variantId,
      title: variant.title,
      tone: TONES[variant.status],
      statusText: t(`status.${variant.status}`),
      cover:
        variant.available <= 0
          ? t("noCover")
          : variant.daysOfCover === null
            ? t("coverUnknown")
            : t("daysOfCover", { days: formatNumber(Math.round(variant.daysOfCover)) }),
      stockout: variant.stockoutDate ? t("stockout", { date: formatDay(variant.stockoutDate) }) : t("noStockout"),
      reorder,
      trend,
      unusual,
    };
  });
}

/** Loads the advice for a product GID from the app (the admin adds the session token to the request). */
export async function loadBlockState(productGid: string, fetchFn: typeof fetch, localizer: Localizer): Promise<BlockState> {
  const productId = productGid.split("/").pop() ?? "";
  if (!/^\d+$/.test(productId)) return { kind: "error" };
  try {
    const response = await fetchFn(`/api/products/${productId}/stock-advice`);
    if (response.status === 404) return { kind: "empty" };
    if (!response.ok) return { kind: "error" };
    const parsed = parseResponse(await response.json());
    if (!parsed) return { kind: "error" };
    if (parsed.variants.length === 0) return { kind: "empty" };
    return { kind: "ready", rows: toRows(parsed, localizer) };
  } catch {
    return { kind: "error" };
  }
}
