/** What the home page shows about the current shop; read for one shop only. */
import type { Queryable } from "../db/pool.server";
import type { Shop } from "./lookup.server";

export interface ShopOverview {
  domain: string;
  name: string | null;
  currencyCode: string | null;
  ianaTimezone: string | null;
  countryCode: string | null;
  planName: string | null;
  installedAt: string;
  detailsSyncedAt: string | null;
  nextSteps: NextStep[];
}

export interface NextStep {
  key: "shop-details" | "catalog" | "orders" | "forecasts";
  state: "done" | "running" | "waiting";
}

export async function loadShopOverview(db: Queryable, shop: Shop): Promise<ShopOverview> {
  // The store sync's latest initial run (app/sync/initial-sync.server.ts): phases done so far.
  const { rows } = await db.query<{ status: string; phases: Record<string, { state?: string } | undefined> | null }>(
    `SELECT status, phases FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1`,
    [shop.id],
  );
  const run = rows[0];
  const phases = run?.phases ?? {};
  const phaseState = (names: string[]): NextStep["state"] =>
    names.every((name) => phases[name]?.state === "done") ? "done" : run?.status === "running" ? "running" : "waiting";
  return {
    domain: shop.domain,
    name: shop.name,
    currencyCode: shop.currency,
    ianaTimezone: shop.detailsReady ? shop.timezone : null,
    countryCode: shop.country,
    planName: shop.planName,
    installedAt: shop.installedAt,
    detailsSyncedAt: shop.detailsSyncedAt,
    nextSteps: [
      { key: "shop-details", state: shop.detailsReady ? "done" : "running" },
      { key: "catalog", state: phaseState(["locations", "products", "inventory"]) },
      { key: "orders", state: phaseState(["orders", "demand"]) },
      { key: "forecasts", state: "waiting" },
    ],
  };
}
