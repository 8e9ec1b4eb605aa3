/**
 * Alert analytics (EMAIL-004), pure: the email log, the notifications the emails carried and the stock seen
 * after them in, figures out. Storage is ./analytics.server.ts; the method of every figure is in docs/alerts.md.
 *
 * - Delivery: each email sent in the period counts once, on the day (shop's time zone) it was sent. Delivered =
 *   Resend reported delivery, a complaint or an open or click (each proves delivery); delivery rate =
 *   delivered / sent, open rate = opened / delivered, click rate = clicked / delivered.
 * - Actions: a notification is acted on when, within `windowDays` days of its email (the send day counts as day
 *   0), the variant's stock went above both what the alert saw and what it was when the email went (a restock:
 *   inventory history, the current level or a later forecast run's advice), or the email's link was clicked. An
 *   email is acted on when it was clicked or carried a notification restocked in that window. Emails and
 *   notifications whose window is still open and with no action yet are pending: left out of the rates.
 * - Lost sales avoided: for stock alerts acted on no later than the projected stockout, with a restock seen,
 *   forecast demand per day × price over the days the variant would have been out of stock had the merchant
 *   reordered only when it ran out (its lead time, minus the days the restock came after the projected
 *   stockout), at most `MAX_AVOIDED_DAYS` days, and never more units than the restock added.
 * - Fatigue: per recipient, a falling open rate (last 4 weeks against the 4 before) or `UNOPENED_STREAK`
 *   unopened alert emails in a row, with one recommendation from what they were not opening.
 * - A/B: versions of a template side by side; differences tested with a two-proportion z-test.
 */
import { z } from "zod";
import { addDays, toDay } from "../forecasting";
import type { Day } from "../forecasts/contract";
import type { AlertSettings } from "./rules";
import { localDateTime } from "./schedule";

/** The periods the page offers (days, ending today in the shop's time zone). */
export const PERIODS = [7, 30, 90] as const;
export type PeriodDays = (typeof PERIODS)[number];
export const DEFAULT_PERIOD: PeriodDays = 30;

/** Days after an email within which a restock or a click counts as acting on it. */
export const ACTION_WINDOW_DAYS = 7;
/** Lost sales avoided never count more than this many days of demand for one alert. */
export const MAX_AVOIDED_DAYS = 14;
/** Alert emails in a row a recipient left unopened before the page calls it fatigue. */
export const UNOPENED_STREAK = 5;
/** The open-rate comparison: the last FATIGUE_WEEKS weeks against the FATIGUE_WEEKS before. */
export const FATIGUE_WEEKS = 4;
/** Delivered alert emails each of the two windows needs before their open rates are compared. */
export const FATIGUE_MIN_DELIVERED = 5;
/** Falling = the recent open rate is at most this share of the earlier one… */
export const FATIGUE_RELATIVE_DROP = 0.75;
/** …and at least this many points below it. */
export const FATIGUE_ABSOLUTE_DROP = 0.1;
/** An email younger than this has not had its chance to be opened: not counted in a streak. */
export const UNOPENED_GRACE_HOURS = 24;
/** Two-sided significance level of the A/B tests. */
export const SIGNIFICANCE = 0.05;
/** The subscription price the ROI compares with until billing exists (FLUXOR_PLAN_PRICE_MONTHLY overrides it). */
export const DEFAULT_PLAN_PRICE_MONTHLY = 29;

/** The emails the page counts: alerts, digests, the operator's forecast failure and the weekly summary. */
export const ANALYTICS_KINDS = ["alert", "digest", "operator", "summary"] as const;
/** Alert emails: what the weekly summary reports (not the summary itself). */
export const ALERT_EMAIL_KINDS = ["alert", "digest", "operator"] as const;
/** The emails fatigue looks at: the merchant's alerts and digests (not the operator's forecast failures). */
export const FATIGUE_KINDS = ["alert", "digest"] as const;
/** Alert types whose action can be a restock (the stock family). */
export const RESTOCK_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock"] as const;
/** Alert types whose lost sales can be avoided: a stockout was projected, not yet there. */
export const AVOIDABLE_TYPES = ["stockout_predicted", "reorder_point", "low_stock"] as const;
/** The rows of "by email type", in urgency order. */
export const EMAIL_TYPES = [
  "out_of_stock",
  "stockout_predicted",
  "reorder_point",
  "low_stock",
  "dead_stock",
  "forecast_failed",
  "digest",
  "weekly_summary",
] as const;
export type EmailType = (typeof EMAIL_TYPES)[number];

export function parsePeriod(value: string | null | undefined): PeriodDays {
  return PERIODS.find((days) => String(days) === value) ?? DEFAULT_PERIOD;
}

export interface Period {
  days: number;
  /** First and last day, inclusive, in the shop's time zone. */
  from: Day;
  to: Day;
}

/** The `days` days ending on `today`. */
export function periodEnding(today: Day, days: number): Period {
  return { days, from: addDays(today, -(days - 1)), to: today };
}

function daysBetween(from: Day, to: Day): number {
  return toDay(to) - toDay(from);
}

// ---------------------------------------------------------------------------------------------------------
// Input

/** One logged email (EmailMessage, with the events Resend reported for it). Instants are ISO strings. */
export interface LoggedMessage {
  id: string;
  kind: string;
  alertType: string | null;
  templateVersion: string;
  recipient: string;
  subject: string | null;
  status: string;
  createdAt: string;
  sentAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
  events: { delivered: boolean; delayed: boolean; bounced: boolean; complained: boolean };
}

/** What a notification's `facts.subject` must hold for the analytics (older or shop-wide facts: null). */
export const SubjectFacts = z.object({
  productTitle: z.string(),
  variantTitle: z.string().nullable().catch(null),
  available: z.number(),
  dailyMean: z.number(),
  price: z.number(),
  stockoutDate: z.string().nullable().catch(null),
  leadTimeDays: z.number().catch(0),
});
export type SubjectFacts = z.infer<typeof SubjectFacts>;

export function subjectFacts(facts: unknown): SubjectFacts | null {
  const subject = z.object({ subject: z.unknown() }).safeParse(facts);
  if (!subject.success) return null;
  const parsed = SubjectFacts.safeParse(subject.data.subject);
  return parsed.success ? parsed.data : null;
}

/** A notification and one email that carried it (a notification sent to two recipients has two). */
export interface CarriedNotification {
  key: string;
  messageId: string;
  type: string;
  variantId: string | null;
  /** "0" = all counted locations together. */
  locationId: string | null;
  subject: SubjectFacts | null;
}

/** A day of one location's stock history (InventoryDay), or its current level (InventoryLevel: max = last). */
export interface StockPoint {
  locationId: string;
  day: Day;
  max: number;
  last: number;
  /** When `last` was recorded (ISO). */
  lastAt: string;
}

/** The variant's available stock as a later forecast run read it (for the notification's location). */
export interface AdviceReading {
  /** The run's start (ISO): the stock was read after it. */
  at: string;
  day: Day;
  available: number;
}

export interface StockEvidence {
  history: StockPoint[];
  advice: AdviceReading[];
}

// ---------------------------------------------------------------------------------------------------------
// Delivery

export interface Outcome {
  delivered: boolean;
  delayed: boolean;
  bounced: boolean;
  complained: boolean;
  opened: boolean;
  clicked: boolean;
}

export function outcomeOf(m: LoggedMessage): Outcome {
  const opened = m.openedAt !== null;
  const clicked = m.clickedAt !== null;
  return {
    delivered: m.events.delivered || m.status === "delivered" || m.status === "complained" || m.events.complained || opened || clicked,
    delayed: m.events.delayed || m.status === "delayed",
    bounced: m.events.bounced || m.status === "bounced",
    complained: m.events.complained || m.status === "complained",
    opened,
    clicked,
  };
}

/** The "by type" row of an email: its alert type, or the digest / weekly summary. */
export function emailTypeOf(m: Pick<LoggedMessage, "kind" | "alertType">): string {
  if (m.kind === "summary") return "weekly_summary";
  if (m.kind === "digest") return "digest";
  return m.alertType ?? m.kind;
}

export interface Counts {
  sent: number;
  delivered: number;
  delayed: number;
  bounced: number;
  complained: number;
  opened: number;
  clicked: number;
  /** Emails acted on, and those whose window closed without an action (pending ones are in neither). */
  acted: number;
  notActed: number;
}

export interface Rates {
  delivery: number | null;
  open: number | null;
  click: number | null;
  action: number | null;
}

export const ZERO_COUNTS: Counts = {
  sent: 0,
  delivered: 0,
  delayed: 0,
  bounced: 0,
  complained: 0,
  opened: 0,
  clicked: 0,
  acted: 0,
  notActed: 0,
};

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function ratesOf(c: Counts): Rates {
  return {
    delivery: ratio(c.delivered, c.sent),
    open: ratio(c.opened, c.delivered),
    click: ratio(c.clicked, c.delivered),
    action: ratio(c.acted, c.acted + c.notActed),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Actions

/**
 * The first day within the window on which the variant's stock rose above both what the alert saw and what it was
 * when the email went, with the units above that mark; null when it did not. Location "0" adds up the counted
 * locations (each at its last known level when it has no row that day). On the send day only levels recorded after
 * the send count; later days use the day's highest level.
 */
export interface Restock {
  day: Day;
  units: number;
}

export function findRestock(input: {
  locationId: string;
  seen: number;
  sentAt: string;
  sendDay: Day;
  windowDays: number;
  countedLocations: readonly string[];
  evidence: StockEvidence;
}): Restock | null {
  const sent = Date.parse(input.sentAt);
  const lastDay = addDays(input.sendDay, input.windowDays);
  const points = mergePoints(input.evidence.history);
  const locations =
    input.locationId !== "0"
      ? [input.locationId]
      : input.countedLocations.length > 0
        ? [...input.countedLocations]
        : [...new Set(points.map((p) => p.locationId))];
  const wanted = new Set(locations);
  const mine = points.filter((p) => wanted.has(p.locationId));

  // Each location's level when the email went: its last reading before the send.
  const level = new Map<string, { at: number; units: number }>();
  for (const p of mine) {
    const at = Date.parse(p.lastAt);
    if (at >= sent || p.day > input.sendDay) continue;
    const known = level.get(p.locationId);
    if (!known || at > known.at) level.set(p.locationId, { at, units: p.last });
  }
  const atSend = level.size > 0 ? [...level.values()].reduce((sum, l) => sum + l.units, 0) : null;
  const mark = Math.max(input.seen, atSend ?? input.seen);
  const current = new Map([...level].map(([id, l]) => [id, l.units]));

  let found: Restock | null = null;
  const byDay = groupBy(
    mine.filter((p) => p.day >= input.sendDay && p.day <= lastDay),
    (p) => p.day,
  );
  for (const day of [...byDay.keys()].sort()) {
    const today = new Map<string, number>();
    for (const p of byDay.get(day)!) {
      const afterSend = Date.parse(p.lastAt) >= sent;
      if (day === input.sendDay) {
        if (afterSend) today.set(p.locationId, p.last);
      } else today.set(p.locationId, p.max);
    }
    if (today.size > 0) {
      const total = locations.reduce((sum, id) => sum + (today.get(id) ?? current.get(id) ?? 0), 0);
      if (total > mark) {
        found = { day, units: total - mark };
        break;
      }
    }
    for (const p of byDay.get(day)!) current.set(p.locationId, p.last);
  }
  for (const a of input.evidence.advice) {
    if (Date.parse(a.at) < sent || a.day > lastDay || a.available <= mark) continue;
    const day = a.day < input.sendDay ? input.sendDay : a.day;
    if (!found || day < found.day) found = { day, units: a.available - mark };
  }
  return found;
}

/** One point per location and day: the day's highest level and its latest reading. */
function mergePoints(points: readonly StockPoint[]): StockPoint[] {
  const merged = new Map<string, StockPoint>();
  for (const p of points) {
    const key = `${p.locationId}|${p.day}`;
    const known = merged.get(key);
    if (!known) merged.set(key, { ...p });
    else {
      known.max = Math.max(known.max, p.max, p.last);
      if (Date.parse(p.lastAt) > Date.parse(known.lastAt)) {
        known.last = p.last;
        known.lastAt = p.lastAt;
      }
    }
  }
  return [...merged.values()];
}

export type ActionState = "acted" | "pending" | "none";

/** What a window that is still open and holds no action yet is: pending, else none. */
function stateOf(acted: boolean, sendDay: Day, windowDays: number, today: Day): ActionState {
  if (acted) return "acted";
  return addDays(sendDay, windowDays) >= today ? "pending" : "none";
}

export interface AvoidedSale {
  key: string;
  type: string;
  productTitle: string;
  variantTitle: string | null;
  stockoutDate: Day;
  restockDay: Day;
  days: number;
  units: number;
  value: number;
}

/**
 * Lost sales avoided by one notification (null when none): a stock alert with a projected stockout, acted on no
 * later than that day, and a restock seen. Days = lead time − days the restock came after the projected stockout,
 * at most MAX_AVOIDED_DAYS; units = forecast demand per day × days, at most what the restock added; value = units ×
 * price.
 */
export function avoidedSale(n: {
  key: string;
  type: string;
  subject: SubjectFacts | null;
  restock: Restock | null;
  actionDay: Day | null;
}): AvoidedSale | null {
  const { subject, restock, actionDay } = n;
  if (!(AVOIDABLE_TYPES as readonly string[]).includes(n.type) || !subject || !restock || !actionDay) return null;
  const stockout = subject.stockoutDate;
  if (!stockout || actionDay > stockout) return null;
  const late = Math.max(0, daysBetween(stockout, restock.day));
  const days = Math.min(MAX_AVOIDED_DAYS, Math.max(0, subject.leadTimeDays) - late);
  if (days <= 0 || subject.dailyMean <= 0 || subject.price <= 0) return null;
  const units = Math.min(subject.dailyMean * days, restock.units);
  return {
    key: n.key,
    type: n.type,
    productTitle: subject.productTitle,
    variantTitle: subject.variantTitle,
    stockoutDate: stockout,
    restockDay: restock.day,
    days: round(days, 1),
    units: round(units, 1),
    value: round(units * subject.price, 2),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------------------
// Statistics

/** Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === 0) return 0.5;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface ProportionTest {
  /** Every group expects at least 5 successes and 5 failures under the pooled rate: the normal approximation holds. */
  testable: boolean;
  z: number | null;
  /** Two-sided. */
  pValue: number | null;
  significant: boolean;
}

/** Two-proportion z-test (pooled): is x1/n1 different from x2/n2? */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ProportionTest {
  if (n1 <= 0 || n2 <= 0) return { testable: false, z: null, pValue: null, significant: false };
  const pooled = (x1 + x2) / (n1 + n2);
  const testable = [n1, n2].every((n) => n * pooled >= 5 && n * (1 - pooled) >= 5);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se > 0 ? (x1 / n1 - x2 / n2) / se : 0;
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { testable, z, pValue, significant: testable && pValue < SIGNIFICANCE };
}

// ---------------------------------------------------------------------------------------------------------
// Fatigue

export type Recommendation =
  | { kind: "daily_digest"; alertType: string }
  | { kind: "weekly_digest" }
  | { kind: "raise_low_stock"; units: number | null; days: number | null }
  | { kind: "min_lost_revenue"; current: number }
  | { kind: "raise_dead_stock_value"; current: number }
  | { kind: "fewer_types" };

export interface FatigueFinding {
  recipient: string;
  /** Open rates of the last FATIGUE_WEEKS weeks and of the weeks before, when they fell. */
  falling: { recent: number; previous: number } | null;
  /** Unopened alert emails in a row (the most recent ones), when at least UNOPENED_STREAK. */
  unopened: number | null;
  /** What they were not opening: an alert type, or "digest". */
  ignoredType: string;
  recommendation: Recommendation;
}

interface FatigueMessage {
  recipient: string;
  kind: string;
  type: string;
  sentAt: number;
  delivered: boolean;
  opened: boolean;
}

const TYPE_RANK = new Map<string, number>(EMAIL_TYPES.map((type, index) => [type, index]));

/** Per recipient: falling open rate or a streak of unopened alert emails, and what to change. */
export function detectFatigue(messages: readonly LoggedMessage[], settings: AlertSettings, now: Date): FatigueFinding[] {
  const week = 7 * 86_400_000;
  const recentFrom = now.getTime() - FATIGUE_WEEKS * week;
  const previousFrom = recentFrom - FATIGUE_WEEKS * week;
  const byRecipient = new Map<string, FatigueMessage[]>();
  for (const m of messages) {
    if (!(FATIGUE_KINDS as readonly string[]).includes(m.kind) || m.sentAt === null) continue;
    const o = outcomeOf(m);
    const list = byRecipient.get(m.recipient) ?? [];
    list.push({
      recipient: m.recipient,
      kind: m.kind,
      type: emailTypeOf(m),
      sentAt: Date.parse(m.sentAt),
      delivered: o.delivered,
      opened: o.opened,
    });
    byRecipient.set(m.recipient, list);
  }
  const findings: FatigueFinding[] = [];
  for (const [recipient, list] of [...byRecipient].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const delivered = list.filter((m) => m.delivered && m.sentAt < now.getTime());
    const recent = delivered.filter((m) => m.sentAt >= recentFrom);
    const previous = delivered.filter((m) => m.sentAt >= previousFrom && m.sentAt < recentFrom);
    let falling: FatigueFinding["falling"] = null;
    if (recent.length >= FATIGUE_MIN_DELIVERED && previous.length >= FATIGUE_MIN_DELIVERED) {
      const r = recent.filter((m) => m.opened).length / recent.length;
      const p = previous.filter((m) => m.opened).length / previous.length;
      if (r <= p * FATIGUE_RELATIVE_DROP && p - r >= FATIGUE_ABSOLUTE_DROP) falling = { recent: r, previous: p };
    }
    const settled = delivered
      .filter((m) => m.sentAt <= now.getTime() - UNOPENED_GRACE_HOURS * 3_600_000)
      .sort((a, b) => b.sentAt - a.sentAt);
    const firstOpened = settled.findIndex((m) => m.opened);
    const streak = firstOpened === -1 ? settled.length : firstOpened;
    const unopened = streak >= UNOPENED_STREAK ? streak : null;
    if (!falling && unopened === null) continue;
    const ignored = unopened !== null ? settled.slice(0, streak) : recent.filter((m) => !m.opened);
    const ignoredType = mostCommonType(ignored);
    findings.push({ recipient, falling, unopened, ignoredType, recommendation: recommend(ignoredType, settings) });
  }
  return findings;
}

function mostCommonType(list: readonly FatigueMessage[]): string {
  const counts = new Map<string, number>();
  for (const m of list) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || (TYPE_RANK.get(a) ?? 99) - (TYPE_RANK.get(b) ?? 99))[0]?.[0] ?? "digest";
}

/** The one change that would send this recipient fewer emails of what they ignore. */
export function recommend(ignoredType: string, settings: AlertSettings): Recommendation {
  const rules = settings.rules.filter((rule) => rule.enabled);
  if (ignoredType === "digest") {
    return rules.some((rule) => rule.frequency === "daily") ? { kind: "weekly_digest" } : { kind: "fewer_types" };
  }
  const rule = rules.find((r) => r.type === ignoredType);
  if (rule?.type === "low_stock") return { kind: "raise_low_stock", units: rule.belowUnits, days: rule.belowDaysOfCover };
  if (rule?.type === "out_of_stock") return { kind: "min_lost_revenue", current: rule.minLostRevenuePerDay };
  if (rule?.type === "dead_stock") {
    return rule.frequency === "immediate"
      ? { kind: "daily_digest", alertType: ignoredType }
      : { kind: "raise_dead_stock_value", current: rule.minStockValue };
  }
  if (rule && rule.frequency === "immediate") return { kind: "daily_digest", alertType: ignoredType };
  return { kind: "fewer_types" };
}

// ---------------------------------------------------------------------------------------------------------
// ROI

export interface Roi {
  avoided: number;
  planPriceMonthly: number;
  /** The plan's price for the period (monthly price × days / 30). */
  planCost: number;
  /** avoided / planCost. */
  multiple: number | null;
  net: number;
}

export function roiOf(avoided: number, planPriceMonthly: number, days: number): Roi {
  const planCost = round((planPriceMonthly * days) / 30, 2);
  return { avoided, planPriceMonthly, planCost, multiple: ratio(avoided, planCost), net: round(avoided - planCost, 2) };
}

/** FLUXOR_PLAN_PRICE_MONTHLY, or the default when unset or not a non-negative number. */
export function planPriceFrom(value: string | undefined): number {
  const price = value === undefined || value.trim() === "" ? NaN : Number(value);
  return Number.isFinite(price) && price >= 0 ? price : DEFAULT_PLAN_PRICE_MONTHLY;
}

// ---------------------------------------------------------------------------------------------------------
// The whole picture

export interface AnalyticsInput {
  period: Period;
  /** The shop's today (its time zone). */
  today: Day;
  now: Date;
  timeZone: string;
  windowDays: number;
  /** Emails of the period and, for fatigue, of the 8 weeks before now. */
  messages: readonly LoggedMessage[];
  carried: readonly CarriedNotification[];
  /** Stock seen after each notification's first email, by notification key. */
  evidence: ReadonlyMap<string, StockEvidence>;
  countedLocations: readonly string[];
  settings: AlertSettings;
  planPriceMonthly: number;
}

export interface MessageResult {
  message: LoggedMessage;
  type: string;
  sendDay: Day;
  outcome: Outcome;
  /** Notifications it carried. */
  notifications: number;
  state: ActionState;
}

export interface NotificationResult {
  key: string;
  type: string;
  sendDay: Day;
  clickDay: Day | null;
  restock: Restock | null;
  state: ActionState;
  avoided: AvoidedSale | null;
}

/** The emails sent in the period (of the counted kinds) and their notifications, with their action states. */
export function evaluateActions(input: AnalyticsInput): { messages: MessageResult[]; notifications: NotificationResult[] } {
  const { period, windowDays, today, timeZone } = input;
  const localDay = (iso: string) => localDateTime(new Date(iso), timeZone).date;
  const sentInPeriod = input.messages.filter((m): m is LoggedMessage & { sentAt: string } => {
    if (m.sentAt === null || !(ANALYTICS_KINDS as readonly string[]).includes(m.kind)) return false;
    const day = localDay(m.sentAt);
    return day >= period.from && day <= period.to;
  });
  const byId = new Map(sentInPeriod.map((m) => [m.id, { message: m, sendDay: localDay(m.sentAt) }]));
  const inWindow = (day: Day | null, sendDay: Day) => day !== null && day >= sendDay && day <= addDays(sendDay, windowDays);
  const clickDay = (m: LoggedMessage) => (m.clickedAt === null ? null : localDay(m.clickedAt));

  const carried = input.carried.filter((c) => byId.has(c.messageId));
  const carriedBy = groupBy(carried, (c) => c.key);

  const notifications: NotificationResult[] = [];
  const restockOf = new Map<string, Restock | null>();
  for (const [key, copies] of carriedBy) {
    const first = copies.map((c) => byId.get(c.messageId)!).sort((a, b) => Date.parse(a.message.sentAt) - Date.parse(b.message.sentAt))[0]!;
    const c = copies[0]!;
    const restock =
      (RESTOCK_TYPES as readonly string[]).includes(c.type) && c.subject && c.locationId !== null
        ? findRestock({
            locationId: c.locationId,
            seen: c.subject.available,
            sentAt: first.message.sentAt,
            sendDay: first.sendDay,
            windowDays,
            countedLocations: input.countedLocations,
            evidence: input.evidence.get(key) ?? { history: [], advice: [] },
          })
        : null;
    restockOf.set(key, restock);
    const clicks = copies
      .map((copy) => byId.get(copy.messageId)!)
      .map((m) => clickDay(m.message))
      .filter((day): day is Day => inWindow(day, first.sendDay))
      .sort();
    const click = clicks[0] ?? null;
    const acted = click !== null || restock !== null;
    const actionDay = [click, restock?.day ?? null].filter((d): d is Day => d !== null).sort()[0] ?? null;
    notifications.push({
      key,
      type: c.type,
      sendDay: first.sendDay,
      clickDay: click,
      restock,
      state: stateOf(acted, first.sendDay, windowDays, today),
      avoided: avoidedSale({ key, type: c.type, subject: c.subject, restock, actionDay }),
    });
  }

  const keysOf = groupBy(carried, (c) => c.messageId);
  const messages = sentInPeriod.map((m): MessageResult => {
    const sendDay = byId.get(m.id)!.sendDay;
    const keys = (keysOf.get(m.id) ?? []).map((c) => c.key);
    const restocked = keys.some((key) => inWindow(restockOf.get(key)?.day ?? null, sendDay));
    const acted = inWindow(clickDay(m), sendDay) || restocked;
    return {
      message: m,
      type: emailTypeOf(m),
      sendDay,
      outcome: outcomeOf(m),
      notifications: keys.length,
      state: stateOf(acted, sendDay, windowDays, today),
    };
  });
  return { messages, notifications };
}

export function countsOf(results: readonly MessageResult[]): Counts {
  const c = { ...ZERO_COUNTS };
  for (const r of results) {
    c.sent++;
    if (r.outcome.delivered) c.delivered++;
    if (r.outcome.delayed) c.delayed++;
    if (r.outcome.bounced) c.bounced++;
    if (r.outcome.complained) c.complained++;
    if (r.outcome.opened) c.opened++;
    if (r.outcome.clicked) c.clicked++;
    if (r.state === "acted") c.acted++;
    if (r.state === "none") c.notActed++;
  }
  return c;
}

export interface CountsRow extends Counts {
  rates: Rates;
}

export interface TypeRow extends CountsRow {
  type: string;
}

export interface VersionRow extends CountsRow {
  /** "out_of_stock@2". */
  templateVersion: string;
  template: string;
  version: string;
}

export interface Experiment {
  template: string;
  versions: VersionRow[];
  /** Each later version against the first (the control). */
  comparisons: { control: string; variant: string; open: ProportionTest; click: ProportionTest; action: ProportionTest }[];
}

export interface ActionRow {
  type: string;
  notifications: number;
  acted: number;
  byRestock: number;
  byClick: number;
  pending: number;
  rate: number | null;
}

export interface DailyPoint {
  day: Day;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
}

export interface AlertAnalytics {
  period: Period;
  windowDays: number;
  totals: CountsRow;
  series: DailyPoint[];
  byType: TypeRow[];
  byVersion: VersionRow[];
  experiments: Experiment[];
  actions: { rows: ActionRow[]; total: ActionRow };
  fatigue: FatigueFinding[];
  /** The unopened streak that counts as fatigue (UNOPENED_STREAK), for the page's explanation. */
  fatigueStreak: number;
  lostSales: { total: number; alerts: number; maxDays: number; items: AvoidedSale[] };
  roi: Roi;
}

function withRates(c: Counts): CountsRow {
  return { ...c, rates: ratesOf(c) };
}

function typeOrder(a: string, b: string): number {
  return (TYPE_RANK.get(a) ?? 99) - (TYPE_RANK.get(b) ?? 99) || (a < b ? -1 : a > b ? 1 : 0);
}

function actionRow(type: string, list: readonly NotificationResult[]): ActionRow {
  const acted = list.filter((n) => n.state === "acted");
  const none = list.filter((n) => n.state === "none").length;
  return {
    type,
    notifications: list.length,
    acted: acted.length,
    byRestock: acted.filter((n) => n.restock !== null).length,
    byClick: acted.filter((n) => n.clickDay !== null).length,
    pending: list.filter((n) => n.state === "pending").length,
    rate: ratio(acted.length, acted.length + none),
  };
}

function groupBy<T>(list: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of list) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** How many items the page lists under lost sales avoided. */
const TOP_AVOIDED = 5;

export function buildAnalytics(input: AnalyticsInput): AlertAnalytics {
  const { messages, notifications } = evaluateActions(input);

  const series: DailyPoint[] = [];
  const perDay = groupBy(messages, (m) => m.sendDay);
  for (let day = input.period.from; day <= input.period.to; day = addDays(day, 1)) {
    const c = countsOf(perDay.get(day) ?? []);
    series.push({ day, sent: c.sent, delivered: c.delivered, opened: c.opened, clicked: c.clicked });
  }

  const byType = [...groupBy(messages, (m) => m.type)]
    .sort(([a], [b]) => typeOrder(a, b))
    .map(([type, list]): TypeRow => ({ type, ...withRates(countsOf(list)) }));

  const byVersion = [...groupBy(messages, (m) => m.message.templateVersion)]
    .map(([templateVersion, list]): VersionRow => {
      const [template = templateVersion, version = ""] = templateVersion.split("@");
      return { templateVersion, template, version, ...withRates(countsOf(list)) };
    })
    .sort((a, b) => typeOrder(a.template, b.template) || Number(a.version) - Number(b.version));

  const experiments: Experiment[] = [];
  for (const [template, versions] of groupBy(byVersion, (v) => v.template)) {
    if (versions.length < 2) continue;
    const [control, ...others] = versions as [VersionRow, ...VersionRow[]];
    experiments.push({
      template,
      versions,
      comparisons: others.map((v) => ({
        control: control.version,
        variant: v.version,
        open: twoProportionZTest(v.opened, v.delivered, control.opened, control.delivered),
        click: twoProportionZTest(v.clicked, v.delivered, control.clicked, control.delivered),
        action: twoProportionZTest(v.acted, v.acted + v.notActed, control.acted, control.acted + control.notActed),
      })),
    });
  }

  const productNotes = notifications.filter((n) => n.type !== "forecast_failed");
  const actionRows = [...groupBy(productNotes, (n) => n.type)]
    .sort(([a], [b]) => typeOrder(a, b))
    .map(([type, list]) => actionRow(type, list));

  const avoided = notifications.map((n) => n.avoided).filter((a): a is AvoidedSale => a !== null);
  const total = round(
    avoided.reduce((sum, a) => sum + a.value, 0),
    2,
  );

  return {
    period: input.period,
    windowDays: input.windowDays,
    totals: withRates(countsOf(messages)),
    series,
    byType,
    byVersion,
    experiments,
    actions: { rows: actionRows, total: actionRow("all", productNotes) },
    fatigue: detectFatigue(input.messages, input.settings, input.now),
    fatigueStreak: UNOPENED_STREAK,
    lostSales: {
      total,
      alerts: avoided.length,
      maxDays: MAX_AVOIDED_DAYS,
      items: [...avoided]
        .sort(
          (a, b) =>
            b.value - a.value ||
            (a.stockoutDate < b.stockoutDate ? -1 : a.stockoutDate > b.stockoutDate ? 1 : 0) ||
            (a.key < b.key ? -1 : 1),
        )
        .slice(0, TOP_AVOIDED),
    },
    roi: roiOf(total, input.planPriceMonthly, input.period.days),
  };
}

/** The weekly summary's figures: alert emails (not summaries) of the period and the lost sales they avoided. */
export function summaryFigures(input: AnalyticsInput): {
  alerts: { sent: number; opened: number; clicked: number; actedOn: number };
  lostSalesAvoided: number;
} {
  const { messages, notifications } = evaluateActions(input);
  const alerts = countsOf(messages.filter((m) => (ALERT_EMAIL_KINDS as readonly string[]).includes(m.message.kind)));
  const lostSalesAvoided = round(
    notifications.reduce((sum, n) => sum + (n.avoided?.value ?? 0), 0),
    2,
  );
  return { alerts: { sent: alerts.sent, opened: alerts.opened, clicked: alerts.clicked, actedOn: alerts.acted }, lostSalesAvoided };
}
