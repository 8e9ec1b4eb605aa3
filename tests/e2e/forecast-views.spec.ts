import { expect, test, type FrameLocator, type Page } from "@playwright/test";
import { demoQuery } from "../support/demo-db";
import { expectAccessible, screenshot } from "../support/browser";
import { APP_FRAME } from "../support/vitals";

// The forecast views of decision 0054 in the stand-in admin (playwright.config.ts webServer: the demo with a fresh
// database), in English, Spanish and French, on the desktop: the overview's count of variants with unusual sales (the
// demo's real history ends in its pre-Christmas rush, so its first run flags some), and the page of one of them,
// whose flagged days are listed and marked on the chart, with the candidate models' forecasts overlaid on demand
// (lines and a legend naming each model with its score; one unticked). Nothing is written but the overlay's cache.

const SHOP = "hollow-oak-gifts.myshopify.com";
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];

/** Words the test looks for, per language (app/i18n/locales). */
const TEXT: Record<Locale, { unusual: string; show: RegExp; hide: RegExp; score: RegExp; spike: string }> = {
  en: {
    unusual: "Unusual sales",
    show: /Show other models on the chart/,
    hide: /Hide other models/,
    score: /\(score [\d.,]+\)/,
    spike: "Spike",
  },
  es: {
    unusual: "Ventas inusuales",
    show: /Mostrar otros modelos en el gráfico/,
    hide: /Ocultar otros modelos/,
    score: /\(puntuación [\d.,]+\)/,
    spike: "Pico",
  },
  fr: {
    unusual: "Ventes inhabituelles",
    show: /Afficher d'autres modèles sur le graphique/,
    hide: /Masquer les autres modèles/,
    score: /\(score [\d\s.,]+\)/,
    spike: "Pic",
  },
};

/** The store sync and the first forecast run of a fresh demo database (the small store) take a minute or two. */
const FIRST_RUN_TIMEOUT = 300_000;
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;

interface Flagged {
  variantId: string;
  flags: { date: string; kind: string }[];
  candidates: number;
}

/** The demo shop's published run: how many variants it flagged, and the one with most flags and at least two other models. */
async function flaggedVariants(): Promise<{ count: number; variant: Flagged } | null> {
  const rows = await demoQuery<{ count: number; variantId: string; flags: Flagged["flags"]; candidates: number }>(
    `SELECT count(*) OVER ()::int AS count, f."variantId"::text AS "variantId", f.anomalies AS flags,
            (SELECT count(*)::int FROM jsonb_object_keys(f."candidateScores") k WHERE k NOT IN ('ensemble')) AS candidates
       FROM "VariantForecast" f
       JOIN "ShopForecastState" s ON s."currentRunId" = f."runId"
       JOIN "Shop" sh ON sh.id = s."shopId"
      WHERE sh.domain = $1 AND f.anomalies <> '[]'::jsonb
      ORDER BY jsonb_array_length(f.anomalies) DESC, f."variantId"`,
    [SHOP],
  );
  const variant = rows.find((row) => row.candidates >= 4 && row.flags.some((flag) => flag.kind === "spike"));
  return variant ? { count: rows[0]!.count, variant } : null;
}

interface Promoted {
  variantId: string;
  reason: string;
  past: string | null;
  planned: string | null;
  plannedTitle: string | null;
}

/**
 * A variant with a promotion decision in the published run (the stand-in's plan promotes a few regulars), a past
 * promotion in the chart's default 90 days and a planned one ahead: one whose backtest gained if the day's data gives
 * one (the demo's history ends yesterday, so which regular gains can change from day to day), else one that did not.
 */
async function promotedVariant(): Promise<Promoted | null> {
  const rows = await demoQuery<Promoted>(
    `SELECT u."variantId"::text AS "variantId", u.reason, past.id AS past, planned.id AS planned, planned.title AS "plannedTitle"
       FROM "Shop" sh
       JOIN "ShopForecastState" s ON s."shopId" = sh.id
       JOIN "ForecastRun" r ON r.id = s."currentRunId"
       JOIN "SignalUse" u ON u."runId" = r.id AND u.signal = 'promotion' AND u.reason IN ('gain', 'no_gain')
       JOIN "ProductVariant" v ON v."shopId" = sh.id AND v.id = u."variantId"
       LEFT JOIN LATERAL (SELECT p.id::text FROM "Promotion" p
                           WHERE p."shopId" = sh.id AND p.source = 'discount' AND v."productId" = ANY(p."productIds")
                             AND p."startDay" <= r."asOf" AND p."endDay" >= r."asOf" - 89
                           ORDER BY p."startDay" DESC LIMIT 1) past ON true
       LEFT JOIN LATERAL (SELECT p.id::text, p.title FROM "Promotion" p
                           WHERE p."shopId" = sh.id AND p.source = 'discount' AND v."productId" = ANY(p."productIds")
                             AND p."startDay" > r."asOf"
                           ORDER BY p."startDay" LIMIT 1) planned ON true
      WHERE sh.domain = $1
      ORDER BY u.reason = 'gain' DESC, u."variantId"`,
    [SHOP],
  );
  return rows.find((row) => row.past !== null && row.planned !== null) ?? null;
}

async function until<T>(what: string, timeout: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function open(page: Page, locale: Locale, appPath = ""): Promise<unknown> {
  return page.goto(`${ADMIN_PATH}${appPath}?locale=${locale}`);
}

test("unusual sales on the overview and the variant page, and the candidate models overlaid on the chart, in every language", async ({
  page,
}, testInfo) => {
  test.skip(testInfo.project.name === "mobile", "a desktop view: the phone layout is the dashboard spec's");
  test.setTimeout(FIRST_RUN_TIMEOUT + 180_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && HYDRATION.test(message.text())) errors.push(message.text());
  });
  await until("the demo's first run with flagged variants", FIRST_RUN_TIMEOUT, flaggedVariants);
  const app: FrameLocator = page.frameLocator(APP_FRAME);

  for (const locale of LOCALES) {
    const text = TEXT[locale];
    // Other specs' changes (a campaign saved) queue runs: the page and the database are compared on the same run.
    let flagged: { count: number; variant: Flagged } | null = null;
    await expect(async () => {
      flagged = await flaggedVariants();
      expect(flagged).not.toBeNull();
      await open(page, locale);
      await expect(app.getByRole("heading", { name: text.unusual, exact: true })).toBeVisible({ timeout: 20_000 });
      await expect(app.getByTestId("metric-anomalies")).toHaveText(String(flagged!.count), { timeout: 5_000 });
    }).toPass({ timeout: 150_000, intervals: [3_000] });
    const { variant } = flagged!;
    await expect(app.getByTestId("metric-anomalies-variant").first()).toBeVisible();
    await screenshot(page, testInfo, `forecast-views-overview-${locale}`);
    if (locale === "en") {
      // The card's link: the variants list filtered to the flagged variants (one row each, all locations).
      await app.getByTestId("metric-anomalies-all").click();
      await expect(app.getByText("Unusual sales in the last 7 days").first()).toBeVisible();
      await expect(app.getByTestId("variant-link")).toHaveCount(Math.min(flagged!.count, 50));
      await screenshot(page, testInfo, "forecast-views-unusual-list-en");
    }

    await open(page, locale, `/app/variants/${variant.variantId}`);
    const list = app.getByTestId("variant-anomalies");
    await expect(list.getByRole("row")).toHaveCount(variant.flags.length + 1);
    await expect(list.getByText(text.spike).first()).toBeVisible();
    // Each flagged day in the chart's window (90 days by default) carries a marker.
    for (const flag of variant.flags) await expect(app.getByTestId(`anomaly-marker-${flag.date}`)).toHaveCount(1);

    const chart = app.getByTestId("forecast-chart");
    const legendItems = chart.locator(".recharts-legend-item");
    const before = await legendItems.count();
    await app.getByRole("button", { name: text.show }).click();
    const overlay = app.getByTestId("candidate-overlay");
    const boxes = overlay.getByRole("checkbox");
    await expect(boxes).toHaveCount(4, { timeout: 60_000 });
    await expect(app.getByRole("button", { name: text.hide })).toBeVisible();
    // One line and one legend entry per model, named with its backtest score.
    await expect(legendItems).toHaveCount(before + 4);
    await expect(chart.locator(".recharts-legend-item").filter({ hasText: text.score })).toHaveCount(4);
    await screenshot(page, testInfo, `forecast-views-overlay-${locale}`);
    // Unticked, a model's line leaves the chart; the other three stay.
    await boxes.last().uncheck({ force: true });
    await expect(chart.locator(".recharts-legend-item").filter({ hasText: text.score })).toHaveCount(3);
    await expectAccessible(page, APP_FRAME, `the variant page with the overlay (${locale})`);
  }

  // A promoted product (in English): its past and planned promotions shaded on the chart, the decision in a sentence.
  const promoted = await until("a variant whose forecast uses promotions", 30_000, promotedVariant);
  await open(page, "en", `/app/variants/${promoted.variantId}`);
  const chart = app.getByTestId("forecast-chart");
  await expect(chart.getByTestId(`promotion-area-${promoted.past}`)).toHaveAttribute("data-planned", "false");
  await expect(chart.getByTestId(`promotion-area-${promoted.planned}`)).toHaveAttribute("data-planned", "true");
  await expect(chart.locator(".recharts-legend-item").filter({ hasText: `Planned promotion: ${promoted.plannedTitle}` })).toHaveCount(1);
  await expect(app.getByTestId("variant-signal-promotion")).toHaveText(
    promoted.reason === "gain"
      ? /^Promotions: used — sales rise about \+\d+% on promotion days; with them the backtest error fell \d+%\. The planned promotion days are lifted the same way\.$/
      : /^Promotions: not used — no measured gain on this product's past promotions\.$/,
  );
  await expect(app.getByRole("link", { name: "Plan a campaign" })).toHaveAttribute("href", /\/app\/campaigns/);
  await screenshot(page, testInfo, "forecast-views-promotions-en");
  await expectAccessible(page, APP_FRAME, "the variant page of a promoted product");
  expect(errors).toEqual([]);
});
