/**
 * What a shop's plan lets the nightly forecast do (issue 15 item 3: limits enforced gracefully). Read-only mode
 * (a grace period over, a trial over without a plan, a cancelled plan) pauses forecasts; over the variant limit the
 * run covers the variants that matter most (by revenue) up to the allowance, and the rest keep their data and
 * pages. A shop without a billing account (installed before billing, or not opened yet) is not limited.
 */
import type { Queryable } from "../db/pool.server";
import { access, type AccessReason } from "./dunning";
import { accountOfShop } from "./ledger.server";
import { CATALOGUE, overageApplies, variantAllowance } from "./plans";

export type ForecastPermit =
  { allowed: false; reason: AccessReason } | { allowed: true; maxVariants: number | null; maxLocations: number | null };

export async function forecastPermit(db: Queryable, shopId: string, now: Date = new Date()): Promise<ForecastPermit> {
  const account = await accountOfShop(shopId, db, now);
  if (!account) return { allowed: true, maxVariants: null, maxLocations: null };
  const granted = access(account.state, now);
  if (!granted.capabilities.run_forecasts) return { allowed: false, reason: granted.reason };
  if (!granted.plan) return { allowed: true, maxVariants: null, maxLocations: null };
  const overage = account.state?.interval ? overageApplies(account.rail, account.state.interval) : false;
  return {
    allowed: true,
    maxVariants: variantAllowance(granted.plan, overage),
    maxLocations: CATALOGUE.plans[granted.plan].limits.locations,
  };
}
