/**
 * The billing accounts page: every installed shop's account with its rail, status and plan, searched by domain,
 * and the review of a move to the other rail (whether it is allowed now, and if not why: app/billing/rail-change.ts).
 *
 * CROSS-TENANT BY DESIGN (decision 0046): accounts of every shop. Called only by the operator routes behind
 * `requireOperator`. Erased shops' accounts are not listed: their ledger is kept, pseudonymous, and never moved.
 */
import { statusAt, type SubscriptionState, type SubscriptionStatus } from "../billing/ledger";
import type { PlanId, Rail } from "../billing/plans";
import { otherRail, type RailChange } from "../billing/rail-change";
import { checkRailChange } from "../billing/rail-change.server";
import { pool, type Queryable } from "../db/pool.server";

/** Rows shown at once: a search by domain narrows the rest down. */
export const ACCOUNTS_SHOWN = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface AccountRow {
  accountId: string;
  shopDomain: string;
  rail: Rail;
  /** null before the account's first event. */
  status: SubscriptionStatus | null;
  plan: PlanId | null;
}

export interface RailReview {
  account: AccountRow;
  to: Rail;
  change: RailChange;
}

export interface AccountsView {
  asOf: string;
  query: string;
  rows: AccountRow[];
  /** Accounts matching the search, of which the first `ACCOUNTS_SHOWN` are in `rows`. */
  matching: number;
  /** The move asked for (`?move=<account>`), checked now; the change checks again under the account's lock. */
  review: RailReview | null;
  /** The account just moved (`?moved=<account>`, where the change redirects to). */
  moved: AccountRow | null;
}

/** The search's text: a part of a myshopify domain. */
export function accountsQuery(value: string | null): string {
  return (value ?? "").trim().toLowerCase().slice(0, 255);
}

const accountId = (value: string | null): string | null => (value !== null && UUID.test(value) ? value : null);

interface Row {
  id: string;
  domain: string;
  rail: Rail;
  state: Partial<SubscriptionState>;
  matching: string;
}

const stateOf = (row: Row): SubscriptionState | null => ("eventStatus" in row.state ? (row.state as SubscriptionState) : null);

function toRow(row: Row, now: Date): AccountRow {
  const state = stateOf(row);
  return {
    accountId: row.id,
    shopDomain: row.domain,
    rail: row.rail,
    status: state ? statusAt(state, now) : null,
    plan: state?.plan ?? null,
  };
}

const SELECT = `SELECT a.id, s.domain, a.rail, a.state, count(*) OVER ()::text AS matching
                  FROM "BillingAccount" a JOIN "Shop" s ON s.id = a."shopId"`;

async function byId(db: Queryable, id: string | null): Promise<Row | null> {
  if (id === null) return null;
  const { rows } = await db.query<Row>(`${SELECT} WHERE a.id = $1`, [id]);
  return rows[0] ?? null;
}

function review(row: Row, now: Date): RailReview {
  const to = otherRail(row.rail);
  return { account: toRow(row, now), to, change: checkRailChange({ rail: row.rail, state: stateOf(row) }, to, now) };
}

export async function loadAccounts(
  search: { query: string; move: string | null; moved: string | null },
  now: Date = new Date(),
  db: Queryable = pool(),
): Promise<AccountsView> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE strpos(lower(s.domain), $1) > 0 ORDER BY s.domain LIMIT $2`, [
    search.query,
    ACCOUNTS_SHOWN,
  ]);
  const move = await byId(db, accountId(search.move));
  const moved = await byId(db, accountId(search.moved));
  return {
    asOf: now.toISOString(),
    query: search.query,
    rows: rows.map((row) => toRow(row, now)),
    matching: Number(rows[0]?.matching ?? 0),
    review: move ? review(move, now) : null,
    moved: moved ? toRow(moved, now) : null,
  };
}
