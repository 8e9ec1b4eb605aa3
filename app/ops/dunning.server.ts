/**
 * The dunning queue: accounts whose payment failed (past_due), whose Shopify subscription is frozen, or that
 * went read-only when the grace period ended; with the shop, how long ago it began, when grace ends and the
 * dunning emails already queued or sent for it.
 *
 * CROSS-TENANT BY DESIGN (decision 0046): every account in dunning, whatever its shop. Called only by the
 * operator routes behind `requireOperator`.
 *
 * Dunning emails are `EmailMessage` rows whose idempotency key starts with `dunning:`. Both key shapes are
 * matched: `dunning:<accountId>:<step>` and `dunning:<subscriptionId>:<since>:<step>` (app/billing/dunning.ts);
 * the step is the key's last part, and only emails of the current delinquency (created since it began) count.
 */
import { statusAt, type SubscriptionState } from "../billing/ledger";
import { dunningSchedule } from "../billing/dunning";
import type { Rail } from "../billing/plans";
import { pool, type Queryable } from "../db/pool.server";

const DAY = 86_400_000;
export const DUNNING_STATUSES = ["past_due", "frozen", "read_only"] as const;

export interface DunningEmailRow {
  step: string;
  status: string;
  queuedAt: string;
  sentAt: string | null;
}

export interface DunningRow {
  accountId: string;
  /** null once the shop was erased (the ledger stays, pseudonymous). */
  shopDomain: string | null;
  rail: Rail;
  plan: string | null;
  status: string;
  delinquentSince: string | null;
  daysSinceFailure: number | null;
  graceEndsAt: string | null;
  emails: DunningEmailRow[];
  /** Steps whose day has come but whose email is not in the log. */
  overdueSteps: string[];
  /** The next step of the schedule (app/billing/dunning.ts), if any is still to come. */
  nextStep: { step: string; dueAt: string } | null;
}

export interface DunningQueue {
  asOf: string;
  rows: DunningRow[];
}

interface AccountRow {
  id: string;
  shopId: string | null;
  domain: string | null;
  rail: Rail;
  state: Partial<SubscriptionState>;
}

export async function loadDunningQueue(now: Date = new Date(), db: Queryable = pool()): Promise<DunningQueue> {
  const { rows } = await db.query<AccountRow>(
    `SELECT a.id, a."shopId", s.domain, a.rail, a.state
       FROM "BillingAccount" a LEFT JOIN "Shop" s ON s.id = a."shopId"
      WHERE a.status = ANY($1::text[])`,
    [DUNNING_STATUSES],
  );
  const shopIds = rows.map((r) => r.shopId).filter((id): id is string => id !== null);
  const emails = shopIds.length
    ? (
        await db.query<{ shopId: string; key: string; status: string; createdAt: Date; sentAt: Date | null }>(
          `SELECT "shopId", "idempotencyKey" AS key, status, "createdAt", "sentAt" FROM "EmailMessage"
            WHERE "shopId" = ANY($1::uuid[]) AND "idempotencyKey" LIKE 'dunning:%' ORDER BY "createdAt"`,
          [shopIds],
        )
      ).rows
    : [];

  const out: DunningRow[] = [];
  for (const row of rows) {
    const state = row.state;
    if (!("eventStatus" in state)) continue;
    const status = statusAt(state as SubscriptionState, now);
    if (!(DUNNING_STATUSES as readonly string[]).includes(status)) continue;
    const since = state.delinquentSince ?? null;
    const schedule = dunningSchedule(state as SubscriptionState);
    const next = schedule.find((e) => Date.parse(e.dueAt) > now.getTime());
    const prefixes = [`dunning:${row.id}:`, ...(state.subscriptionId ? [`dunning:${state.subscriptionId}:`] : [])];
    const mine = emails
      .filter((e) => e.shopId === row.shopId && prefixes.some((p) => e.key.startsWith(p)))
      .filter((e) => since === null || e.createdAt.getTime() >= Date.parse(since) - 60_000)
      .map((e) => ({
        step: e.key.slice(e.key.lastIndexOf(":") + 1),
        status: e.status,
        queuedAt: e.createdAt.toISOString(),
        sentAt: e.sentAt?.toISOString() ?? null,
      }));
    out.push({
      accountId: row.id,
      shopDomain: row.domain,
      rail: row.rail,
      plan: state.plan ?? null,
      status,
      delinquentSince: since,
      daysSinceFailure: since === null ? null : Math.floor((now.getTime() - Date.parse(since)) / DAY),
      graceEndsAt: state.graceEndsAt ?? null,
      emails: mine,
      overdueSteps: schedule.filter((e) => Date.parse(e.dueAt) <= now.getTime() && !mine.some((m) => m.step === e.step)).map((e) => e.step),
      nextStep: next ? { step: next.step, dueAt: next.dueAt } : null,
    });
  }
  // The longest overdue first.
  out.sort((a, b) => (a.delinquentSince ?? "").localeCompare(b.delinquentSince ?? "") || a.accountId.localeCompare(b.accountId));
  return { asOf: now.toISOString(), rows: out };
}
