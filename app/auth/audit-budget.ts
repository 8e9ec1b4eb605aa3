/**
 * How many unauthenticated failures the audit trail records (issue 16 item 6, decision 0049). Anyone can send a
 * bad webhook or a login form, so without a budget every request of a flood would be one more stored row. In each
 * minute (fixed windows, per process) at most `perSource` entries of one event from one client IP are recorded,
 * and at most `perEvent` of one event from all IPs together; the rest are dropped and counted, and the counts of a
 * finished minute come back from `admit` (or `drain`) for the caller to record as one summary per event.
 *
 * Pure and in memory: a dropped entry costs no database write at all, which is the point. With several web
 * processes each has its own budget, so the bound is per process; that is enough to keep the table small.
 */

export interface AuditBudgetRule {
  perSource: number;
  perEvent: number;
  /** Client IPs tracked per window; past it a new IP is held to the per-event budget only (bounded memory). */
  maxSources: number;
}

/** Ten per IP and event a minute keeps a brute force visible; 120 per event a minute bounds a spread-out flood. */
export const UNAUTHENTICATED_FAILURES: AuditBudgetRule = { perSource: 10, perEvent: 120, maxSources: 10_000 };

export const WINDOW_MS = 60_000;

/** What was dropped of one event in one finished window. */
export interface DroppedEntries {
  event: string;
  dropped: number;
  windowStart: Date;
  windowEnd: Date;
  /** The IP that sent the most entries of this event in the window, and how many it sent. */
  busiestSource: string;
  busiestSourceEntries: number;
}

export type Admission = { record: boolean; finished: DroppedEntries[] };

export class AuditBudget {
  private window = Number.NEGATIVE_INFINITY;
  /** `${event} ${source}` → entries seen this window (recorded or not). */
  private seen = new Map<string, number>();
  /** event → entries recorded this window. */
  private recorded = new Map<string, number>();
  /** event → entries dropped this window. */
  private dropped = new Map<string, number>();

  constructor(private readonly rule: AuditBudgetRule = UNAUTHENTICATED_FAILURES) {}

  /** Whether to record this entry, and the drops of any window that has ended since the last call. */
  admit(event: string, source: string, now: number): Admission {
    const finished = this.roll(now);
    const key = `${event} ${source}`;
    const tracked = this.seen.has(key) || this.seen.size < this.rule.maxSources;
    const fromSource = (this.seen.get(key) ?? 0) + 1;
    if (tracked) this.seen.set(key, fromSource);
    const fromEvent = this.recorded.get(event) ?? 0;
    const record = fromEvent < this.rule.perEvent && (!tracked || fromSource <= this.rule.perSource);
    if (record) this.recorded.set(event, fromEvent + 1);
    else this.dropped.set(event, (this.dropped.get(event) ?? 0) + 1);
    return { record, finished };
  }

  /** The drops of the windows that have ended by `now` and were not reported yet. */
  drain(now: number): DroppedEntries[] {
    return this.roll(now);
  }

  /** When the current window ends, if it has drops to report (for a timer that reports them without new traffic). */
  pendingUntil(): number | null {
    return this.dropped.size > 0 ? this.window + WINDOW_MS : null;
  }

  private roll(now: number): DroppedEntries[] {
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (window === this.window) return [];
    const finished = [...this.dropped].map(([event, dropped]) => ({ event, dropped, ...this.busiest(event) }));
    this.window = window;
    this.seen = new Map();
    this.recorded = new Map();
    this.dropped = new Map();
    return finished;
  }

  private busiest(event: string): Omit<DroppedEntries, "event" | "dropped"> {
    let busiestSource = "unknown";
    let busiestSourceEntries = 0;
    const prefix = `${event} `;
    for (const [key, count] of this.seen) {
      if (key.startsWith(prefix) && count > busiestSourceEntries) {
        busiestSource = key.slice(prefix.length);
        busiestSourceEntries = count;
      }
    }
    return { windowStart: new Date(this.window), windowEnd: new Date(this.window + WINDOW_MS), busiestSource, busiestSourceEntries };
  }
}
