/**
 * Monotonic counters kept in PostgreSQL (`MetricCounter`, prisma/schema/metrics.prisma), for Prometheus counters
 * that must never go down: not when a web process restarts (every process reads the same totals), and not when the
 * rows they count are pruned (the email log after 90 days), since a counter is not derived from them.
 *
 * The table is a ledger: an increment is a new row (name, labels, value), written in the same statement or
 * transaction as what it counts, so the two commit together; a series' value is the sum of its rows. Appending
 * takes no row lock, so a long transaction that counts (an alert evaluation queuing emails) never holds up others
 * counting the same series, and no two can deadlock on it. `compactCounters` (daily, with the email log's pruning)
 * folds each series' rows into one, atomically, so the ledger stays small and totals never change by it.
 *
 * Labels are a JSON object (jsonb: equal whatever the key order); keep their values few (no ids, no addresses).
 * No shop data lives here, so a shop's erasure leaves the counters as they are.
 */
import { pool, type Queryable } from "../db/pool.server";
import type { Labels, Sample } from "./prometheus";

export interface CounterSeries {
  name: string;
  labels: Labels;
  value: number;
}

/** Adds `by` (a positive whole number) to a series. Pass the transaction that records what is counted. */
export async function incrementCounter(db: Queryable, name: string, labels: Labels = {}, by = 1): Promise<void> {
  if (!Number.isSafeInteger(by) || by <= 0) throw new RangeError(`a counter only goes up by a whole number, not ${by}`);
  await db.query(`INSERT INTO "MetricCounter" (name, labels, value) VALUES ($1, $2::jsonb, $3)`, [name, JSON.stringify(labels), by]);
}

/** The current value of every series of these counters. */
export async function readCounters(names: readonly string[], db: Queryable = pool()): Promise<CounterSeries[]> {
  const { rows } = await db.query<{ name: string; labels: Record<string, string>; value: string }>(
    `SELECT name, labels, sum(value)::text AS value FROM "MetricCounter" WHERE name = ANY($1::text[])
      GROUP BY name, labels ORDER BY name, labels::text`,
    [names],
  );
  // jsonb keeps keys by length, then bytes: back in name order, for a stable exposition.
  const sorted = (labels: Record<string, string>) =>
    Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return rows.map((row) => ({ name: row.name, labels: sorted(row.labels), value: Number(row.value) }));
}

/** The samples of one counter, for its `MetricFamily`. */
export function samplesOf(series: readonly CounterSeries[], name: string): Sample[] {
  return series.filter((s) => s.name === name).map((s) => [s.labels, s.value] as const);
}

/**
 * Folds each series' rows into one. One statement: the rows it deletes and the sums it writes commit together, and
 * rows appended meanwhile (not yet visible to it) stay as they are, so a reader sees the same totals before and
 * after. Returns how many rows it folded.
 */
export async function compactCounters(db: Queryable = pool()): Promise<number> {
  const { rows } = await db.query<{ folded: number }>(
    `WITH folded AS (DELETE FROM "MetricCounter" RETURNING name, labels, value),
          summed AS (INSERT INTO "MetricCounter" (name, labels, value)
                     SELECT name, labels, sum(value) FROM folded GROUP BY name, labels RETURNING 1)
     SELECT (SELECT count(*) FROM folded)::int AS folded`,
  );
  return rows[0]?.folded ?? 0;
}
