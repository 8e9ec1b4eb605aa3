/**
 * Which email goes first, and in which order an email lists its findings.
 *
 * Graphile Worker runs due jobs by ascending `priority` (then run_at, then id). Alert mail ranks immediate alert >
 * digest > weekly summary > other mail (confirmations, test sends): EMAIL_PRIORITY of the email job contract.
 */
import { EMAIL_PRIORITY } from "../jobs/contracts/email";
import type { AlertFinding, AlertSubject, AlertType, Frequency } from "./model";

/** The send priority of a notification of this frequency (a weekly digest is a digest). */
export function emailPriority(frequency: Frequency): number {
  return frequency === "immediate" ? EMAIL_PRIORITY.immediate : EMAIL_PRIORITY.digest;
}

/** Section order within an email: the most urgent trouble first, operator news last. */
export const TYPE_ORDER: Readonly<Record<AlertType, number>> = {
  out_of_stock: 0,
  stockout_predicted: 1,
  reorder_point: 2,
  low_stock: 3,
  dead_stock: 4,
  forecast_failed: 5,
};

/** Missing values sort last in either direction. */
function nullsLast(a: number | string | null, b: number | string | null, direction: 1 | -1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return a < b ? -direction : a > b ? direction : 0;
}

/** Numeric ids as decimal strings: shorter is smaller. */
function byId(a: string, b: string): number {
  return a.length - b.length || nullsLast(a, b, 1);
}

/**
 * Orders findings for an email: by type (out of stock, stockout predicted, reorder point, low stock, dead stock,
 * forecast failed), then within a type:
 * - out of stock: lost revenue per day, descending, then lost revenue to date, descending;
 * - stockout predicted, reorder point, low stock: projected stockout date, then days of cover, ascending;
 * - dead stock: stock value, descending;
 * then revenue at stake (daily demand × price), descending, then product and variant title (code-unit order,
 * so the order does not depend on the runtime's locale data), variant id and location id.
 */
export function compareFindings(a: AlertFinding, b: AlertFinding): number {
  const byType = TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  if (byType !== 0) return byType;
  if (a.family === "forecast_failed" || b.family === "forecast_failed") return nullsLast(a.key, b.key, 1);
  return compareSubjects(a.type, a.subject, b.subject);
}

/** The order of two subjects of one alert type (the rules above after the type). */
export function compareSubjects(type: AlertType, x: AlertSubject, y: AlertSubject): number {
  const steps: number[] =
    type === "out_of_stock"
      ? [nullsLast(x.lostRevenuePerDay, y.lostRevenuePerDay, -1), nullsLast(x.lostRevenueToDate, y.lostRevenueToDate, -1)]
      : type === "dead_stock"
        ? [nullsLast(x.stockValue, y.stockValue, -1)]
        : [nullsLast(x.stockoutDate, y.stockoutDate, 1), nullsLast(x.daysOfCover, y.daysOfCover, 1)];
  steps.push(
    nullsLast(x.dailyMean * x.price, y.dailyMean * y.price, -1),
    nullsLast(x.productTitle, y.productTitle, 1),
    nullsLast(x.variantTitle, y.variantTitle, 1),
    byId(x.variantId, y.variantId),
    byId(x.locationId, y.locationId),
  );
  return steps.find((s) => s !== 0) ?? 0;
}

/** A sorted copy (the input is left as it is). */
export function sortFindings(findings: readonly AlertFinding[]): AlertFinding[] {
  return [...findings].sort(compareFindings);
}
