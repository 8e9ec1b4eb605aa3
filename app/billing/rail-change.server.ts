/**
 * An operator moves a shop's billing account to the other rail (/ops/accounts; decision 0045). In one transaction,
 * under the account's row lock: the check (rail-change.ts), the `rail_changed` ledger event (provider fluxor), the
 * `BillingAccount.rail` column the rails read, and the audit row with the operator's name. The lock serialises
 * two confirmations of the same change: the second finds the account already moved and records nothing.
 *
 * `FLUXOR_STRIPE_RAIL_SHOPS` decides the rail only when an account is opened (`openAccount`); from then on the
 * account's last `rail_changed` wins, and nothing applies the list to an existing account again.
 */
import { audit } from "../auth/audit.server";
import { inTransaction } from "../db/pool.server";
import { accountById, recordEvents, type BillingAccount } from "./ledger.server";
import type { Rail } from "./plans";
import { railChange, railChangedEvent, type RailChange, type RailChangeRefusal } from "./rail-change";
import { stripeClient } from "./stripe-rail.server";

/** Whether the account may move to `to` now: what the review step shows, and what the change checks again. */
export function checkRailChange(account: Pick<BillingAccount, "rail" | "state">, to: Rail, now: Date = new Date()): RailChange {
  return railChange(account, to, now, { stripeConfigured: stripeClient() !== null });
}

export type RailChangeOutcome =
  | { outcome: "changed"; shopDomain: string; from: Rail; to: Rail }
  | { outcome: "refused"; shopDomain: string; refusal: RailChangeRefusal }
  /** No such account, or its shop was erased (its ledger stays, pseudonymous, and is not moved). */
  | { outcome: "not_found" };

export interface Actor {
  operator: string;
  ip: string | null;
}

/** Moves the account to `to` if nothing is live on its rail; a refusal (other than "already there") is audited too. */
export async function changeRail(accountId: string, to: Rail, actor: Actor, now: Date = new Date()): Promise<RailChangeOutcome> {
  const outcome = await inTransaction(async (tx): Promise<RailChangeOutcome> => {
    const { rows } = await tx.query<{ domain: string; lastSeq: string }>(
      `SELECT s.domain, a."lastSeq"::text AS "lastSeq" FROM "BillingAccount" a JOIN "Shop" s ON s.id = a."shopId"
        WHERE a.id = $1 FOR UPDATE OF a`,
      [accountId],
    );
    const locked = rows[0];
    const account = locked ? await accountById(accountId, tx, now) : null;
    if (!locked || !account) return { outcome: "not_found" };
    const change = checkRailChange(account, to, now);
    if (!change.allowed) return { outcome: "refused", shopDomain: locked.domain, refusal: change };
    await recordEvents(tx, accountId, [railChangedEvent(accountId, locked.lastSeq, change, now)], now);
    await tx.query(`UPDATE "BillingAccount" SET rail = $2, "updatedAt" = now() WHERE id = $1`, [accountId, to]);
    // Audited before the commit: a change whose audit row could not be written is rolled back, never left unaudited.
    await audit({
      event: "billing_change",
      outcome: "success",
      shopDomain: locked.domain,
      ip: actor.ip,
      detail: { action: "rail_change", user: actor.operator, accountId, from: change.from, to: change.to },
    });
    return { outcome: "changed", shopDomain: locked.domain, from: change.from, to: change.to };
  });
  if (outcome.outcome === "refused" && outcome.refusal.reason !== "same_rail") {
    const { refusal } = outcome;
    await audit({
      event: "billing_change",
      outcome: "failure",
      shopDomain: outcome.shopDomain,
      ip: actor.ip,
      detail: {
        action: "rail_change",
        user: actor.operator,
        accountId,
        to,
        reason: refusal.reason,
        status: refusal.reason === "live_subscription" ? refusal.status : null,
      },
    });
  }
  return outcome;
}
