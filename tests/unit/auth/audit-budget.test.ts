/** How many unauthenticated failures the audit trail records per minute (issue 16 item 6, decision 0049). */
import { describe, expect, it } from "vitest";
import { AuditBudget, WINDOW_MS } from "../../../app/auth/audit-budget";

const RULE = { perSource: 3, perEvent: 5, maxSources: 4 };
const START = Date.parse("2026-12-06T12:00:00Z");

/** How many of `count` entries of `event` from `source` at `now` are recorded. */
function send(budget: AuditBudget, event: string, source: string, count: number, now = START): number {
  let recorded = 0;
  for (let i = 0; i < count; i++) if (budget.admit(event, source, now).record) recorded++;
  return recorded;
}

describe("AuditBudget", () => {
  it("records a few entries per source and event a minute, and drops the rest", () => {
    const budget = new AuditBudget(RULE);
    expect(send(budget, "webhook_rejected", "198.51.100.1", 10)).toBe(3);
    // Another event from the same source, and the same event from another source, have budgets of their own.
    expect(send(budget, "oauth_failed", "198.51.100.1", 10)).toBe(3);
    expect(send(budget, "webhook_rejected", "198.51.100.2", 10)).toBe(2);
    // The event's budget (5) is spent: a third source gets nothing this minute.
    expect(send(budget, "webhook_rejected", "198.51.100.3", 1)).toBe(0);
  });

  it("reports the drops of a finished minute once, with the busiest source", () => {
    const budget = new AuditBudget(RULE);
    send(budget, "webhook_rejected", "198.51.100.1", 10);
    send(budget, "webhook_rejected", "198.51.100.2", 1);
    expect(budget.pendingUntil()).toBe(START + WINDOW_MS);
    const next = budget.admit("webhook_rejected", "198.51.100.1", START + WINDOW_MS);
    expect(next.record).toBe(true);
    expect(next.finished).toEqual([
      {
        event: "webhook_rejected",
        dropped: 7,
        windowStart: new Date(START),
        windowEnd: new Date(START + WINDOW_MS),
        busiestSource: "198.51.100.1",
        busiestSourceEntries: 10,
      },
    ]);
    expect(budget.pendingUntil()).toBeNull();
    expect(budget.drain(START + 5 * WINDOW_MS)).toEqual([]);
  });

  it("reports without new traffic through drain, only once the minute is over", () => {
    const budget = new AuditBudget(RULE);
    send(budget, "login_attempt", "198.51.100.1", 4);
    expect(budget.drain(START + WINDOW_MS - 1)).toEqual([]);
    expect(budget.drain(START + WINDOW_MS).map(({ event, dropped }) => ({ event, dropped }))).toEqual([
      { event: "login_attempt", dropped: 1 },
    ]);
  });

  it("tracks a bounded number of sources; past it, new ones share the event's budget only", () => {
    const budget = new AuditBudget({ perSource: 1, perEvent: 6, maxSources: 2 });
    expect(send(budget, "webhook_rejected", "a", 1)).toBe(1);
    expect(send(budget, "webhook_rejected", "b", 1)).toBe(1);
    // Untracked sources: only the event's budget applies (4 left), however many sources there are.
    for (const source of ["c", "d", "e", "f", "g", "h"]) send(budget, "webhook_rejected", source, 1);
    expect(budget.drain(START + WINDOW_MS)[0]?.dropped).toBe(2);
  });
});
