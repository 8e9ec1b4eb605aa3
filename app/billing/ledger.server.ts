/**
 * The billing ledger at rest (decision 0045): accounts, the append-only `BillingEvent` table and the
 * projection of each account's state. `recordEvents` is the one way anything changes a shop's billing:
 * it stores the normalised events (a duplicate provider event is a no-op, by the table's unique key), then
 * re-derives the state from the account's whole ledger (`deriveSubscription`), so the order in which the
 * events arrive does not matter. One account's writes are serialised by a lock on its row.
 */
import { createHash } from "node:crypto";
import { pool, type Queryable } from "../db/pool.server";
import { BillingEvent, deriveSubscription, statusAt, type BillingEventInput, type SubscriptionState } from "./ledger";
import { CATALOGUE, type Rail } from "./plans";

export interface BillingAccount {
  id: string;
  shopId: string | null;
  rail: Rail;
  trialStartedAt: string | null;
  stripeCustomerId: string | null;
  country: string | null;
  /** The state derived at the last event, with its status moved on to now (`statusAt`); null before any event. */
  state: SubscriptionState | null;
}

interface AccountRow {
  id: string;
  shopId: string | null;
  rail: Rail;
  trialStartedAt: Date | null;
  stripeCustomerId: string | null;
  country: string | null;
  state: SubscriptionState | Record<string, never>;
}

const ACCOUNT_COLUMNS = `id, "shopId", rail, "trialStartedAt", "stripeCustomerId", country, state`;

/**
 * Shops on a direct contract, billed through Stripe (`FLUXOR_STRIPE_RAIL_SHOPS`: comma-separated myshopify
 * domains, set by an operator). Every other shop is on the Shopify rail, as App Store apps must be. Read only
 * when an account is opened: an existing account moves by an operator's rail change (rail-change.server.ts).
 */
export function stripeRailShops(list: string | undefined = process.env.FLUXOR_STRIPE_RAIL_SHOPS): ReadonlySet<string> {
  return new Set(
    (list ?? "")
      .split(",")
      .map((d) => d.trim().toLowerCase())
      .filter((d) => d.length > 0),
  );
}

export function domainHash(domain: string): string {
  return createHash("sha256").update(domain.trim().toLowerCase()).digest("hex");
}

function toAccount(row: AccountRow, now: Date): BillingAccount {
  const stored = "eventStatus" in row.state ? (row.state as SubscriptionState) : null;
  return {
    id: row.id,
    shopId: row.shopId,
    rail: row.rail,
    trialStartedAt: row.trialStartedAt?.toISOString() ?? null,
    stripeCustomerId: row.stripeCustomerId,
    country: row.country,
    state: stored ? { ...stored, status: statusAt(stored, now) } : null,
  };
}

/** The shop's billing account, or null when it has none (not installed since billing began). */
export async function accountOfShop(shopId: string, db: Queryable = pool(), now: Date = new Date()): Promise<BillingAccount | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM "BillingAccount" WHERE "shopId" = $1`, [shopId]);
  return rows[0] ? toAccount(rows[0], now) : null;
}

export async function accountById(accountId: string, db: Queryable = pool(), now: Date = new Date()): Promise<BillingAccount | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM "BillingAccount" WHERE id = $1`, [accountId]);
  return rows[0] ? toAccount(rows[0], now) : null;
}

/**
 * The shop's account, created at its first install with Fluxor's trial: 14 days, once per shop (the trial
 * event's id is the domain's hash, so a shop erased and installed again has no second trial), on the Stripe rail
 * when an operator listed the shop as a direct contract. Idempotent: an existing account keeps its rail (the
 * list's at its opening, or its last `rail_changed`), whatever the list says now.
 */
export async function openAccount(db: Queryable, shop: { id: string; domain: string }, now: Date = new Date()): Promise<BillingAccount> {
  const hash = domainHash(shop.domain);
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO "BillingAccount" (id, "shopId", "domainHash", rail) VALUES (gen_random_uuid(), $1, $2, $3)
     ON CONFLICT ("shopId") DO NOTHING RETURNING id`,
    [shop.id, hash, stripeRailShops().has(shop.domain.toLowerCase()) ? "stripe" : "shopify"],
  );
  const accountId = inserted.rows[0]?.id;
  if (accountId) {
    const trialEndsAt = new Date(now.getTime() + CATALOGUE.trial.days * 86_400_000).toISOString();
    const started = await recordEvents(
      db,
      accountId,
      [
        {
          type: "trial_started",
          provider: "fluxor",
          providerEventId: `trial:${hash}`,
          occurredAt: now.toISOString(),
          subscriptionId: null,
          trialEndsAt,
        },
      ],
      now,
    );
    if (started.stored > 0) await db.query(`UPDATE "BillingAccount" SET "trialStartedAt" = $2 WHERE id = $1`, [accountId, now]);
  }
  const account = await accountOfShop(shop.id, db, now);
  if (!account) throw new Error(`billing account of shop ${shop.id} was not created`);
  return account;
}

export interface Recorded {
  /** Events stored now (duplicates of stored ones are not). */
  stored: number;
  state: SubscriptionState | null;
}

/**
 * Appends events to an account's ledger and re-derives its state. Invalid events throw before anything is
 * written (a provider payload that does not normalise is a 4xx at the webhook, not a ledger row).
 */
export async function recordEvents(
  db: Queryable,
  accountId: string,
  events: readonly BillingEventInput[],
  now: Date = new Date(),
): Promise<Recorded> {
  const parsed = events.map((e) => BillingEvent.parse(e));
  const locked = await db.query(`SELECT 1 FROM "BillingAccount" WHERE id = $1 FOR UPDATE`, [accountId]);
  if (!locked.rowCount) throw new Error(`unknown billing account ${accountId}`);
  let stored = 0;
  for (const e of parsed) {
    const result = await db.query(
      `INSERT INTO "BillingEvent" ("accountId", provider, "providerEventId", type, "occurredAt", payload)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider, "providerEventId") DO NOTHING`,
      [accountId, e.provider, e.providerEventId, e.type, e.occurredAt, JSON.stringify(e)],
    );
    stored += result.rowCount ?? 0;
  }
  const state = await rederive(db, accountId, now);
  return { stored, state };
}

/** The account's ledger, validated (a row that no longer validates is a bug: it throws). */
export async function ledgerOf(db: Queryable, accountId: string): Promise<BillingEvent[]> {
  const { rows } = await db.query<{ payload: unknown }>(`SELECT payload FROM "BillingEvent" WHERE "accountId" = $1 ORDER BY seq`, [
    accountId,
  ]);
  return rows.map((r) => BillingEvent.parse(r.payload));
}

/**
 * The state as of `now`, or as of the ledger's latest event if that is later: a late event about the past (a
 * webhook delivered after a newer one) is applied under what came after it, never rolling the present back.
 */
async function rederive(db: Queryable, accountId: string, now: Date): Promise<SubscriptionState | null> {
  const events = await ledgerOf(db, accountId);
  const latest = Math.max(now.getTime(), ...events.map((e) => Date.parse(e.occurredAt)));
  const state = deriveSubscription(events, new Date(latest));
  await db.query(
    `UPDATE "BillingAccount" SET state = $2, status = $3, plan = $4,
            "lastSeq" = (SELECT coalesce(max(seq), 0) FROM "BillingEvent" WHERE "accountId" = $1), "updatedAt" = now()
      WHERE id = $1`,
    [accountId, JSON.stringify(state ?? {}), state?.status ?? "expired", state?.plan ?? null],
  );
  return state;
}

/** Moves the stored statuses on in time (trial ends, grace periods over): the hourly billing tick. */
export async function refreshStatuses(db: Queryable = pool(), now: Date = new Date()): Promise<number> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM "BillingAccount" WHERE "shopId" IS NOT NULL AND status IN ('trialing', 'past_due', 'frozen', 'active', 'pending')`,
  );
  let changed = 0;
  for (const row of rows) {
    const account = toAccount(row, now);
    const stored = row.state as SubscriptionState;
    if (account.state && account.state.status !== stored.status) {
      await db.query(`UPDATE "BillingAccount" SET state = $2, status = $3, "updatedAt" = now() WHERE id = $1`, [
        row.id,
        JSON.stringify(account.state),
        account.state.status,
      ]);
      changed++;
    }
  }
  return changed;
}
