/** Email priority classes and job priorities; the order of findings within an email. */
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../app/alerts/evaluate";
import type { AlertFinding } from "../../../app/alerts/model";
import { emailPriority, sortFindings } from "../../../app/alerts/priority";
import { EMAIL_PRIORITY } from "../../../app/jobs/contracts/email";
import { addDays } from "../../../app/forecasting";
import { AS_OF, context, outOfStock, rule, subject } from "./fixtures";

describe("priorities", () => {
  it("runs immediate alerts before digests before weekly summaries before other mail (lower first)", () => {
    const order = Object.entries(EMAIL_PRIORITY)
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name);
    expect(order).toEqual(["immediate", "digest", "summary", "other"]);
  });

  it("sends immediate findings as alerts and daily or weekly ones in digests", () => {
    expect(emailPriority("immediate")).toBe(EMAIL_PRIORITY.immediate);
    expect(emailPriority("daily")).toBe(EMAIL_PRIORITY.digest);
    expect(emailPriority("weekly")).toBe(EMAIL_PRIORITY.digest);
  });
});

describe("sortFindings", () => {
  const day = (n: number) => addDays(AS_OF, n);
  const rules = [
    rule({ type: "out_of_stock" }),
    rule({ type: "stockout_predicted", withinDays: 30 }),
    rule({ type: "reorder_point" }),
    rule({ type: "low_stock", belowUnits: null, belowDaysOfCover: 60 }),
    rule({ type: "dead_stock", noSaleForDays: 90, minStockValue: 0 }),
    rule({ type: "forecast_failed" }),
  ];
  const rows = [
    subject({
      variantId: "20",
      productTitle: "Dead A",
      dailyMean: 0,
      risk: "dead",
      lastSaleDay: day(-200),
      stockValue: 300,
      daysOfCover: null,
      stockoutDate: null,
    }),
    subject({ variantId: "11", productTitle: "Soon", stockoutDate: day(20) }),
    outOfStock({ variantId: "1", productTitle: "Small loss", lostRevenuePerDay: 5 }),
    subject({ variantId: "12", productTitle: "Sooner", stockoutDate: day(3) }),
    subject({ variantId: "30", productTitle: "Reorder", available: 30, stockoutDate: null, daysOfCover: 40 }),
    subject({
      variantId: "21",
      productTitle: "Dead B",
      dailyMean: 0,
      risk: "dead",
      lastSaleDay: day(-100),
      stockValue: 900,
      daysOfCover: null,
      stockoutDate: null,
    }),
    outOfStock({ variantId: "2", productTitle: "Big loss", lostRevenuePerDay: 120 }),
    subject({ variantId: "40", productTitle: "Low", available: 90, stockoutDate: null, daysOfCover: 55 }),
    outOfStock({ variantId: "3", productTitle: "Same loss, older", lostRevenuePerDay: 5, lostRevenueToDate: 900 }),
  ];
  const findings = evaluate(
    rules,
    rows,
    context({ forecastFailure: { runId: "r", failedAt: "2026-03-01T02:00:00Z", error: "x", consecutiveFailures: 1 } }),
  );
  const label = (f: AlertFinding) =>
    f.family === "forecast_failed" ? "forecast failed" : `${f.family === "dead_stock" ? "dead " : ""}${f.subject.productTitle}`;

  it("lists out of stock by lost revenue a day, then stockouts by date, reorder, low stock, dead stock by value, operator news last", () => {
    expect(sortFindings(findings).map(label)).toEqual([
      "Big loss",
      "Same loss, older",
      "Small loss",
      "Sooner",
      "Soon",
      "Reorder",
      "Low",
      "dead Dead B",
      "dead Dead A",
      "forecast failed",
    ]);
  });

  it("is deterministic whatever the input order, and leaves the input alone", () => {
    const before = findings.map(label);
    const reversed = sortFindings([...findings].reverse()).map(label);
    expect(reversed).toEqual(sortFindings(findings).map(label));
    expect(findings.map(label)).toEqual(before);
  });

  it("breaks ties by revenue at stake, title, then numeric variant id", () => {
    const tie = [
      subject({ variantId: "100", productTitle: "Tee", stockoutDate: day(5), daysOfCover: 5 }),
      subject({ variantId: "9", productTitle: "Tee", stockoutDate: day(5), daysOfCover: 5 }),
      subject({ variantId: "50", productTitle: "Tee", stockoutDate: day(5), daysOfCover: 5, price: 99 }),
      subject({ variantId: "7", productTitle: "Apron", stockoutDate: day(5), daysOfCover: 5 }),
    ];
    const sorted = sortFindings(evaluate([rule({ type: "stockout_predicted", withinDays: 7 })], tie, context()));
    expect(sorted.map((f) => f.variantId)).toEqual(["50", "7", "9", "100"]);
  });
});
