/**
 * Alert analytics, pure: delivery counts and rates, the two-proportion z-test, action attribution (restock from
 * inventory history, current levels and later advice; clicks; windows), lost sales avoided, alert fatigue and its
 * recommendations, ROI, the whole page's figures, and the page's text in three languages.
 */
import { describe, expect, it } from "vitest";
import { AlertSettings } from "../../../app/alerts/rules";
import {
  ACTION_WINDOW_DAYS,
  DEFAULT_PLAN_PRICE_MONTHLY,
  EMAIL_TYPES,
  MAX_AVOIDED_DAYS,
  avoidedSale,
  buildAnalytics,
  detectFatigue,
  findRestock,
  normalCdf,
  outcomeOf,
  parsePeriod,
  periodEnding,
  planPriceFrom,
  ratesOf,
  recommend,
  roiOf,
  subjectFacts,
  summaryFigures,
  twoProportionZTest,
  type AnalyticsInput,
  type CarriedNotification,
  type LoggedMessage,
  type StockEvidence,
  type SubjectFacts,
} from "../../../app/alerts/analytics";
import en from "../../../app/i18n/locales/alerts-analytics/en.json";
import es from "../../../app/i18n/locales/alerts-analytics/es.json";
import fr from "../../../app/i18n/locales/alerts-analytics/fr.json";

const UTC = "UTC";
const NOW = new Date("2026-03-20T12:00:00Z");

let ids = 0;
function message(over: Partial<LoggedMessage> = {}): LoggedMessage {
  ids++;
  return {
    id: `m${ids}`,
    kind: "alert",
    alertType: "stockout_predicted",
    templateVersion: "stockout_predicted@1",
    recipient: "owner@shop.test",
    subject: "Running out soon",
    status: "delivered",
    createdAt: "2026-03-10T08:00:00.000Z",
    sentAt: "2026-03-10T08:00:05.000Z",
    openedAt: null,
    clickedAt: null,
    events: { delivered: true, delayed: false, bounced: false, complained: false },
    ...over,
  };
}

function subject(over: Partial<SubjectFacts> = {}): SubjectFacts {
  return {
    productTitle: "Oak lantern",
    variantTitle: "Large",
    available: 4,
    dailyMean: 3,
    price: 20,
    stockoutDate: "2026-03-12",
    leadTimeDays: 10,
    ...over,
  };
}

const settings = AlertSettings.parse({});

function input(over: Partial<AnalyticsInput> = {}): AnalyticsInput {
  return {
    period: periodEnding("2026-03-20", 30),
    today: "2026-03-20",
    now: NOW,
    timeZone: UTC,
    windowDays: ACTION_WINDOW_DAYS,
    messages: [],
    carried: [],
    evidence: new Map(),
    countedLocations: ["1001", "1002"],
    settings,
    planPriceMonthly: DEFAULT_PLAN_PRICE_MONTHLY,
    ...over,
  };
}

describe("delivery", () => {
  it("counts an open, a click or a complaint as proof of delivery", () => {
    const lost = { delivered: false, delayed: false, bounced: false, complained: false };
    expect(outcomeOf(message({ status: "sent", events: lost })).delivered).toBe(false);
    expect(outcomeOf(message({ status: "sent", events: lost, openedAt: "2026-03-10T09:00:00.000Z" })).delivered).toBe(true);
    expect(outcomeOf(message({ status: "complained", events: lost })).delivered).toBe(true);
    // A delayed email later delivered is both.
    const both = outcomeOf(message({ events: { ...lost, delivered: true, delayed: true } }));
    expect(both).toMatchObject({ delivered: true, delayed: true, bounced: false });
    expect(outcomeOf(message({ status: "bounced", events: lost }))).toMatchObject({ delivered: false, bounced: true });
  });

  it("divides opens and clicks by delivered emails, delivery by sent, and gives no rate for nothing", () => {
    const counts = { sent: 10, delivered: 8, delayed: 1, bounced: 2, complained: 0, opened: 4, clicked: 2, acted: 3, notActed: 3 };
    expect(ratesOf(counts)).toEqual({ delivery: 0.8, open: 0.5, click: 0.25, action: 0.5 });
    expect(ratesOf({ ...counts, sent: 0, delivered: 0, acted: 0, notActed: 0 })).toEqual({
      delivery: null,
      open: null,
      click: null,
      action: null,
    });
  });

  it("reads the period from the URL (7, 30 or 90 days; else 30) and counts it back from today", () => {
    expect([parsePeriod("7"), parsePeriod("90"), parsePeriod("31"), parsePeriod(null)]).toEqual([7, 90, 30, 30]);
    expect(periodEnding("2026-03-20", 7)).toEqual({ days: 7, from: "2026-03-14", to: "2026-03-20" });
  });
});

describe("two-proportion z-test", () => {
  it("matches the normal distribution's known values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });

  it("finds 60 % against 40 % of 100 each significant (z = 2.83, p = 0.0047)", () => {
    const test = twoProportionZTest(60, 100, 40, 100);
    expect(test.z).toBeCloseTo(2.828, 3);
    expect(test.pValue).toBeCloseTo(0.00468, 4);
    expect(test).toMatchObject({ testable: true, significant: true });
  });

  it("calls 55 % against 50 % of 100 each not significant, and too few emails untestable", () => {
    const close = twoProportionZTest(55, 100, 50, 100);
    expect(close.pValue).toBeCloseTo(0.479, 2);
    expect(close).toMatchObject({ testable: true, significant: false });
    expect(twoProportionZTest(2, 4, 0, 3)).toMatchObject({ testable: false, significant: false });
    expect(twoProportionZTest(0, 0, 3, 10)).toEqual({ testable: false, z: null, pValue: null, significant: false });
    // Identical all-or-nothing groups: no spread, no difference.
    expect(twoProportionZTest(20, 20, 30, 30)).toMatchObject({ z: 0, pValue: 1, testable: false });
  });
});

describe("restock after an alert", () => {
  const sentAt = "2026-03-10T08:00:00.000Z";
  const base = { locationId: "1001", seen: 2, sentAt, sendDay: "2026-03-10", windowDays: 7, countedLocations: ["1001", "1002"] };
  const day = (d: string, max: number, last = max, lastAt = `${d}T18:00:00.000Z`, locationId = "1001") => ({
    locationId,
    day: d,
    max,
    last,
    lastAt,
  });
  const evidence = (history: StockEvidence["history"], advice: StockEvidence["advice"] = []): StockEvidence => ({ history, advice });

  it("finds the first day the location's stock rose above what the alert saw, and the units it added", () => {
    const history = [day("2026-03-08", 3, 2), day("2026-03-11", 2, 1), day("2026-03-13", 25, 22), day("2026-03-14", 30)];
    expect(findRestock({ ...base, evidence: evidence(history) })).toEqual({ day: "2026-03-13", units: 23 });
  });

  it("ignores the send day's levels from before the email, and anything after the window", () => {
    const before = day("2026-03-10", 9, 9, "2026-03-10T06:00:00.000Z");
    expect(findRestock({ ...base, evidence: evidence([before]) })).toBeNull();
    const afterSend = day("2026-03-10", 9, 9, "2026-03-10T15:00:00.000Z");
    expect(findRestock({ ...base, evidence: evidence([afterSend]) })).toEqual({ day: "2026-03-10", units: 7 });
    expect(findRestock({ ...base, evidence: evidence([day("2026-03-18", 40)]) })).toBeNull();
    expect(findRestock({ ...base, evidence: evidence([day("2026-03-17", 40)]) })).toEqual({ day: "2026-03-17", units: 38 });
  });

  it("does not credit a rise that came before the email (the level at send is the mark)", () => {
    // The alert saw 2, but 8 were back before the email went: only more than 8 is a restock.
    const history = [day("2026-03-09", 8, 8, "2026-03-09T10:00:00.000Z"), day("2026-03-11", 8), day("2026-03-12", 12)];
    expect(findRestock({ ...base, evidence: evidence(history) })).toEqual({ day: "2026-03-12", units: 4 });
  });

  it("adds up the counted locations for location 0, each at its last known level", () => {
    const history = [
      day("2026-03-05", 1, 1, "2026-03-05T10:00:00.000Z", "1001"),
      day("2026-03-06", 1, 1, "2026-03-06T10:00:00.000Z", "1002"),
      // A location Fluxor does not count.
      day("2026-03-11", 50, 50, "2026-03-11T10:00:00.000Z", "1003"),
      day("2026-03-12", 3, 3, "2026-03-12T10:00:00.000Z", "1001"),
    ];
    // Seen 2 (1 + 1): 3 + 1 = 4 on the 12th.
    expect(findRestock({ ...base, locationId: "0", evidence: evidence(history) })).toEqual({ day: "2026-03-12", units: 2 });
  });

  it("reads the current level and a later run's advice too", () => {
    const current = { locationId: "1001", day: "2026-03-15", max: 14, last: 14, lastAt: "2026-03-15T09:00:00.000Z" };
    expect(findRestock({ ...base, evidence: evidence([current]) })).toEqual({ day: "2026-03-15", units: 12 });
    const advice = [{ at: "2026-03-12T02:00:00.000Z", day: "2026-03-12", available: 10 }];
    expect(findRestock({ ...base, evidence: evidence([], advice) })).toEqual({ day: "2026-03-12", units: 8 });
    // A run that started before the email says nothing about what came after it.
    expect(
      findRestock({ ...base, evidence: evidence([], [{ at: "2026-03-10T02:00:00.000Z", day: "2026-03-10", available: 10 }]) }),
    ).toBeNull();
  });
});

describe("lost sales avoided", () => {
  const note = (over: Partial<Parameters<typeof avoidedSale>[0]> = {}) => ({
    key: "n1",
    type: "stockout_predicted",
    subject: subject(),
    restock: { day: "2026-03-11", units: 100 },
    actionDay: "2026-03-11",
    ...over,
  });

  it("counts demand × price over the lead time when the restock came before the projected stockout", () => {
    // 3 a day × 10 days × 20 = 600.
    expect(avoidedSale(note())).toMatchObject({ days: 10, units: 30, value: 600, stockoutDate: "2026-03-12", restockDay: "2026-03-11" });
  });

  it("takes off the days the restock came after the projected stockout", () => {
    // Acted on (clicked) on the 11th, restocked 3 days after the projected stockout: 10 − 3 = 7 days.
    expect(avoidedSale(note({ restock: { day: "2026-03-15", units: 100 } }))).toMatchObject({ days: 7, units: 21, value: 420 });
  });

  it("caps the days at 14 and the units at what the restock added", () => {
    expect(avoidedSale(note({ subject: subject({ leadTimeDays: 45 }) }))).toMatchObject({ days: MAX_AVOIDED_DAYS, units: 42, value: 840 });
    expect(avoidedSale(note({ restock: { day: "2026-03-11", units: 5 } }))).toMatchObject({ units: 5, value: 100 });
  });

  it("counts nothing without a restock, after the projected stockout, or for an item already out of stock", () => {
    expect(avoidedSale(note({ restock: null }))).toBeNull();
    expect(avoidedSale(note({ actionDay: "2026-03-13" }))).toBeNull();
    expect(avoidedSale(note({ type: "out_of_stock" }))).toBeNull();
    expect(avoidedSale(note({ subject: subject({ stockoutDate: null }) }))).toBeNull();
    expect(avoidedSale(note({ restock: { day: "2026-03-25", units: 100 } }))).toBeNull();
  });

  it("reads the subject from a notification's facts, and nothing from a shop-wide one", () => {
    expect(subjectFacts({ subject: { ...subject(), risk: "stockout", sku: null } })).toEqual(subject());
    expect(subjectFacts({ failure: { runId: "r" } })).toBeNull();
  });

  it("compares with the plan price for the period", () => {
    expect(roiOf(600, 29, 30)).toEqual({ avoided: 600, planPriceMonthly: 29, planCost: 29, multiple: 600 / 29, net: 571 });
    expect(roiOf(0, 29, 7)).toMatchObject({ planCost: 6.77, multiple: 0, net: -6.77 });
    expect(roiOf(10, 0, 7).multiple).toBeNull();
    expect([planPriceFrom(undefined), planPriceFrom("49"), planPriceFrom("cheap"), planPriceFrom("-3")]).toEqual([29, 49, 29, 29]);
  });
});

describe("alert fatigue", () => {
  const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
  const sent = (n: number, over: Partial<LoggedMessage> = {}) => message({ sentAt: days(n), createdAt: days(n), ...over });

  it("flags 5 unopened alert emails in a row and suggests a daily digest for immediate stockout predictions", () => {
    const rules = AlertSettings.parse({ rules: [{ id: "soon", type: "stockout_predicted", frequency: "immediate" }] });
    const messages = [sent(10, { openedAt: days(10) }), ...[9, 7, 5, 3, 2].map((n) => sent(n))];
    const [finding] = detectFatigue(messages, rules, NOW);
    expect(finding).toMatchObject({ recipient: "owner@shop.test", unopened: 5, falling: null, ignoredType: "stockout_predicted" });
    expect(finding?.recommendation).toEqual({ kind: "daily_digest", alertType: "stockout_predicted" });
  });

  it("gives a fresh email a day before it counts as unopened", () => {
    const messages = [sent(9), sent(7), sent(5), sent(3), sent(0.2)];
    expect(detectFatigue(messages, settings, NOW)).toEqual([]);
  });

  it("flags an open rate that fell from the 4 weeks before to the last 4, with the low-stock threshold to raise", () => {
    const rules = AlertSettings.parse({ rules: [{ id: "low", type: "low_stock", frequency: "immediate", belowUnits: 8 }] });
    const low = { alertType: "low_stock", templateVersion: "low_stock@1" };
    const before = [30, 33, 36, 40, 44, 50].map((n) => sent(n, { ...low, openedAt: days(n) }));
    const recent = [3, 8, 12, 16, 20, 25].map((n, i) => sent(n, { ...low, openedAt: i % 3 === 0 ? days(n) : null }));
    const [finding] = detectFatigue([...before, ...recent.reverse()], rules, NOW);
    expect(finding?.falling).toEqual({ previous: 1, recent: 2 / 6 });
    expect(finding?.unopened).toBeNull();
    expect(finding?.recommendation).toEqual({ kind: "raise_low_stock", units: 8, days: null });
  });

  it("recommends per what is ignored and how it is sent", () => {
    const daily = AlertSettings.parse({});
    expect(recommend("digest", daily)).toEqual({ kind: "weekly_digest" });
    expect(recommend("out_of_stock", daily)).toEqual({ kind: "min_lost_revenue", current: 0 });
    expect(recommend("dead_stock", daily)).toEqual({ kind: "raise_dead_stock_value", current: 100 });
    expect(recommend("stockout_predicted", daily)).toEqual({ kind: "fewer_types" });
    const weeklyOnly = AlertSettings.parse({ rules: [{ id: "dead", type: "dead_stock", frequency: "weekly" }] });
    expect(recommend("digest", weeklyOnly)).toEqual({ kind: "fewer_types" });
  });

  it("leaves out summaries, operator emails and other recipients' opens", () => {
    const messages = [1.5, 2, 3, 4, 5].flatMap((n) => [
      sent(n, { kind: "summary", alertType: null }),
      sent(n, { kind: "operator", alertType: "forecast_failed" }),
      sent(n, { recipient: "buyer@shop.test", openedAt: days(n) }),
    ]);
    expect(detectFatigue(messages, settings, NOW)).toEqual([]);
  });
});

describe("the page's figures", () => {
  // Three stock alerts by email on the 10th, one digest on the 18th, an A/B test of the out-of-stock email.
  const clicked = message({ id: "clicked", clickedAt: "2026-03-12T10:00:00.000Z", openedAt: "2026-03-12T09:59:00.000Z" });
  const restocked = message({ id: "restocked", openedAt: "2026-03-10T09:00:00.000Z" });
  const ignored = message({ id: "ignored", alertType: "low_stock", templateVersion: "low_stock@1" });
  const digest = message({
    id: "digest",
    kind: "digest",
    alertType: null,
    templateVersion: "digest@1",
    sentAt: "2026-03-18T08:00:00.000Z",
    createdAt: "2026-03-18T08:00:00.000Z",
  });
  const bounced = message({
    id: "bounced",
    status: "bounced",
    events: { delivered: false, delayed: false, bounced: true, complained: false },
    sentAt: "2026-03-18T08:00:00.000Z",
  });
  const unsent = message({ id: "unsent", status: "suppressed", sentAt: null });
  const old = message({ id: "old", sentAt: "2026-01-10T08:00:00.000Z", createdAt: "2026-01-10T08:00:00.000Z" });
  const note = (key: string, messageId: string, over: Partial<CarriedNotification> = {}): CarriedNotification => ({
    key,
    messageId,
    type: "stockout_predicted",
    variantId: "11",
    locationId: "1001",
    subject: subject(),
    ...over,
  });
  const carried = [
    note("n-clicked", "clicked"),
    note("n-restocked", "restocked"),
    note("n-ignored", "ignored", { type: "low_stock" }),
    note("n-digest", "digest", { type: "reorder_point" }),
    note("n-old", "old"),
  ];
  const evidence = new Map<string, StockEvidence>([
    [
      "n-restocked",
      { history: [{ locationId: "1001", day: "2026-03-11", max: 40, last: 40, lastAt: "2026-03-11T12:00:00.000Z" }], advice: [] },
    ],
  ]);
  const abMessages = [
    ...Array.from({ length: 40 }, (_, i) =>
      message({
        id: `v1-${i}`,
        alertType: "out_of_stock",
        templateVersion: "out_of_stock@1",
        openedAt: i < 12 ? "2026-03-05T09:00:00.000Z" : null,
        sentAt: "2026-03-05T08:00:00.000Z",
      }),
    ),
    ...Array.from({ length: 40 }, (_, i) =>
      message({
        id: `v2-${i}`,
        alertType: "out_of_stock",
        templateVersion: "out_of_stock@2",
        openedAt: i < 28 ? "2026-03-05T09:00:00.000Z" : null,
        sentAt: "2026-03-05T08:00:00.000Z",
      }),
    ),
  ];
  const all = input({ messages: [clicked, restocked, ignored, digest, bounced, unsent, old, ...abMessages], carried, evidence });

  it("counts each email sent in the period once, on its send day", () => {
    const a = buildAnalytics(all);
    expect(a.totals).toMatchObject({ sent: 85, delivered: 84, bounced: 1, opened: 42, clicked: 1 });
    expect(a.series).toHaveLength(30);
    expect(a.series.find((d) => d.day === "2026-03-10")).toEqual({ day: "2026-03-10", sent: 3, delivered: 3, opened: 2, clicked: 1 });
    expect(a.series.reduce((sum, d) => sum + d.sent, 0)).toBe(a.totals.sent);
    expect(a.byType.map((row) => row.type)).toEqual(["out_of_stock", "stockout_predicted", "low_stock", "digest"]);
  });

  it("attributes actions: a click and a restock within 7 days; a window still open is pending", () => {
    const a = buildAnalytics(all);
    const row = (type: string) => a.actions.rows.find((r) => r.type === type);
    expect(row("stockout_predicted")).toEqual({
      type: "stockout_predicted",
      notifications: 2,
      acted: 2,
      byRestock: 1,
      byClick: 1,
      pending: 0,
      rate: 1,
    });
    expect(row("low_stock")).toMatchObject({ notifications: 1, acted: 0, pending: 0, rate: 0 });
    // The digest of the 18th: its window runs to the 25th.
    expect(row("reorder_point")).toMatchObject({ notifications: 1, acted: 0, pending: 1, rate: null });
    expect(a.actions.total).toMatchObject({ notifications: 4, acted: 2, pending: 1, rate: 2 / 3 });
  });

  it("values the restock before the projected stockout, and compares it with the plan's price", () => {
    const a = buildAnalytics(all);
    expect(a.lostSales).toMatchObject({ total: 600, alerts: 1, maxDays: 14 });
    expect(a.lostSales.items[0]).toMatchObject({ key: "n-restocked", days: 10, value: 600 });
    expect(a.roi).toMatchObject({ avoided: 600, planCost: 29, net: 571 });
  });

  it("puts the template versions side by side and tests the difference", () => {
    const a = buildAnalytics(all);
    const [experiment] = a.experiments;
    expect(experiment?.template).toBe("out_of_stock");
    expect(experiment?.versions.map((v) => [v.version, v.sent, v.rates.open])).toEqual([
      ["1", 40, 0.3],
      ["2", 40, 0.7],
    ]);
    expect(experiment?.comparisons[0]?.open).toMatchObject({ testable: true, significant: true });
    expect(experiment?.comparisons[0]?.click).toMatchObject({ testable: false });
    expect(a.byVersion.map((v) => v.templateVersion)).toEqual([
      "out_of_stock@1",
      "out_of_stock@2",
      "stockout_predicted@1",
      "low_stock@1",
      "digest@1",
    ]);
  });

  it("gives the weekly summary its alert emails, actions and lost sales avoided", () => {
    const week = input({ ...all, period: periodEnding("2026-03-16", 7), today: "2026-03-20" });
    expect(summaryFigures(week)).toEqual({ alerts: { sent: 3, opened: 2, clicked: 1, actedOn: 2 }, lostSalesAvoided: 600 });
  });
});

describe("the page's text", () => {
  function keys(value: unknown, prefix = ""): string[] {
    if (typeof value !== "object" || value === null) return [prefix];
    return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
  }

  it("has every English key in Spanish and French, and a name for every email type", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
    expect(keys(fr).sort()).toEqual(keys(en).sort());
    for (const type of EMAIL_TYPES) expect(en.types[type]).toBeTruthy();
  });
});
