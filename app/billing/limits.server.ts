/**
 * What a shop's plan lets it do (issue 15 item 3: limits and features enforced gracefully). Read-only mode (a grace
 * period over, a trial over without a plan, a cancelled plan) pauses forecasts; over the variant limit the run
 * covers the variants that matter most (by revenue) up to the allowance, and the rest keep their data and pages.
 * `shopEntitlements` is the plan's features and limits for everything else (alerts, the API, CSV exports, the
 * locations a forecast counts; decision 0047), and `shopAccess` what read-only mode stops besides forecasts (alert
 * emails, settings changes, the API). A shop without a billing account (installed before billing, or not opened
 * yet) is not limited.
 */
import type { Queryable } from "../db/pool.server";
import { access, CAPABILITIES, type Access, type AccessReason, type Capability } from "./dunning";
import { entitlementsOf, type Entitlements } from "./entitlements";
import { accountOfShop } from "./ledger.server";
import { overageApplies, variantAllowance } from "./plans";

export type ForecastPermit = { allowed: false; reason: AccessReason } | { allowed: true; maxVariants: number | null };

export async function forecastPermit(db: Queryable, shopId: string, now: Date = new Date()): Promise<ForecastPermit> {
  const account = await accountOfShop(shopId, db, now);
  if (!account) return { allowed: true, maxVariants: null };
  const granted = access(account.state, now);
  if (!granted.capabilities.run_forecasts) return { allowed: false, reason: granted.reason };
  if (!granted.plan) return { allowed: true, maxVariants: null };
  const overage = account.state?.interval ? overageApplies(account.rail, account.state.interval) : false;
  return { allowed: true, maxVariants: variantAllowance(granted.plan, overage) };
}

/**
 * The features and limits of the shop's plan: the subscription's, the trial's plan during the trial, and still the
 * plan's in read-only mode (for what keeps running there, such as exports). null = not limited: no billing
 * account, or no plan to speak of (a trial over or a charge never approved; read-only mode stops what costs).
 */
export async function shopEntitlements(db: Queryable, shopId: string, now: Date = new Date()): Promise<Entitlements | null> {
  const account = await accountOfShop(shopId, db, now);
  const plan = account ? access(account.state, now).plan : null;
  return plan ? entitlementsOf(plan) : null;
}

/** What the shop may do now: its access level, why, and each capability (./dunning.ts). */
export type ShopAccess = Pick<Access, "level" | "reason" | "capabilities">;

const NOT_LIMITED: ShopAccess = {
  level: "full",
  reason: "no_account",
  capabilities: Object.fromEntries(CAPABILITIES.map((c) => [c, true])) as Record<Capability, boolean>,
};

/**
 * The shop's access at `now` (decision 0044): in read-only mode only viewing, exports and billing are allowed, and
 * every caller refuses the rest gracefully (nothing is deleted, nothing rewritten). No billing account = everything
 * allowed, as for the plan's limits.
 */
export async function shopAccess(db: Queryable, shopId: string, now: Date = new Date()): Promise<ShopAccess> {
  const account = await accountOfShop(shopId, db, now);
  if (!account) return NOT_LIMITED;
  const { level, reason, capabilities } = access(account.state, now);
  return { level, reason, capabilities };
}
