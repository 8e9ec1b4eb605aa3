/**
 * The console's revenue read models: every billing account's ledger, read in two statements and validated with
 * the ledger's zod `BillingEvent`, then app/ops/metrics.ts.
 *
 * CROSS-TENANT BY DESIGN (decision 0046): unlike every merchant-facing read, these queries are not scoped to a
 * shop: the operator console reports on all accounts of both rails. Only the operator routes (app/routes/ops.*,
 * behind `requireOperator`) call them. They read billing rows only (no shop data beyond the domain elsewhere).
 */
import { BillingEvent } from "../billing/ledger";
import type { Rail } from "../billing/plans";
import { csvLine } from "../csv/writer";
import { pool, type Queryable } from "../db/pool.server";
import { overview, recognition, type LedgerAccount, type Overview, type RecognitionMonth } from "./metrics";

export interface Ledgers {
  accounts: LedgerAccount[];
  /** Ledger rows that no longer validate (a bug to look into): left out of every figure, counted here. */
  invalidEvents: number;
}

/** All accounts' ledgers (cross-tenant: see the module comment). */
export async function loadLedgers(db: Queryable = pool()): Promise<Ledgers> {
  const accounts = await db.query<{ id: string; rail: Rail }>(`SELECT id, rail FROM "BillingAccount" ORDER BY "createdAt", id`);
  const events = await db.query<{ accountId: string; payload: unknown }>(
    `SELECT "accountId", payload FROM "BillingEvent" ORDER BY "accountId", seq`,
  );
  const byAccount = new Map<string, BillingEvent[]>(accounts.rows.map((a) => [a.id, []]));
  let invalidEvents = 0;
  for (const row of events.rows) {
    const parsed = BillingEvent.safeParse(row.payload);
    const list = byAccount.get(row.accountId);
    if (!parsed.success || !list) invalidEvents += 1;
    else list.push(parsed.data);
  }
  return {
    accounts: accounts.rows.map((a) => ({
      accountId: a.id,
      rail: a.rail === "stripe" ? "stripe" : "shopify",
      events: byAccount.get(a.id)!,
    })),
    invalidEvents,
  };
}

export async function loadOverview(now: Date = new Date()): Promise<Overview & { invalidEvents: number }> {
  const { accounts, invalidEvents } = await loadLedgers();
  return { ...overview(accounts, now), invalidEvents };
}

export const RECOGNITION_MONTHS = [12, 24, 36] as const;
export type RecognitionMonths = (typeof RECOGNITION_MONTHS)[number];

export function recognitionMonths(param: string | null): RecognitionMonths {
  return RECOGNITION_MONTHS.find((m) => String(m) === param) ?? 12;
}

export interface RecognitionReport {
  asOf: string;
  months: RecognitionMonths;
  /** Months available: 12, 24, 36. */
  choices: readonly number[];
  rows: RecognitionMonth[];
  invalidEvents: number;
}

export async function loadRecognition(months: RecognitionMonths, now: Date = new Date()): Promise<RecognitionReport> {
  const { accounts, invalidEvents } = await loadLedgers();
  return { asOf: now.toISOString(), months, choices: RECOGNITION_MONTHS, rows: recognition(accounts, now, months), invalidEvents };
}

const usd = (cents: number) => (cents / 100).toFixed(2);

/** The recognition table as CSV (the app's one CSV writer): one line per month, both rails and each. */
export async function* recognitionCsv(months: RecognitionMonths, now: Date = new Date()): AsyncGenerator<string> {
  const { rows } = await loadRecognition(months, now);
  yield csvLine([
    "month",
    "recognized_usd",
    "deferred_usd",
    "recognized_shopify_usd",
    "deferred_shopify_usd",
    "recognized_stripe_usd",
    "deferred_stripe_usd",
  ]);
  for (const row of rows) {
    yield csvLine([
      row.month,
      usd(row.recognizedCents.all),
      usd(row.deferredCents.all),
      usd(row.recognizedCents.shopify),
      usd(row.deferredCents.shopify),
      usd(row.recognizedCents.stripe),
      usd(row.deferredCents.stripe),
    ]);
  }
}
