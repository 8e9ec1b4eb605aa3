/**
 * What the overview page loads: the shop, its forecast summary and the state of the store sync.
 *
 * The forecast summary (aggregates over every variant's advice and the 28-day live accuracy) and the
 * synced row counts are the costly part, so both are cached per shop (docs/decisions/0034-read-cache.md):
 * the summary under the published run and its version, so a new run or a settings change shows at
 * once; the counts for a minute, refreshed behind the page. The variants with unusual sales (anomaly flags) are
 * cached like the summary. The sync state is read live.
 */
import { z } from "zod";
import type { ForecastOverview } from "../forecasts/contract";
import { cachedAnomalyOverview, cachedForecastOverview, type AnomalyOverview } from "../forecasts/read.server";
import { cachedForShop } from "../shops/cache.server";
import { loadShopOverview, type ShopOverview } from "../shops/overview.server";
import { countSyncedRows, loadSyncSummary, type SyncSummary } from "../sync/status.server";
import { pool as sqlPool } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";

export interface OverviewData {
  shop: ShopOverview;
  forecast: ForecastOverview;
  /** Variants with unusual sales in the published run's last 7 days (decision 0054). */
  anomalies: AnomalyOverview;
  sync: SyncSummary & { orders: number; variants: number };
}

/** Counting 700 000 orders takes over 100 ms: the counts are served up to a minute stale and refreshed behind. */
const COUNTS_TTL_SECONDS = 60;
const SyncedCounts = z.object({ orders: z.number(), variants: z.number() });

export async function loadOverview(shop: Shop): Promise<OverviewData> {
  const pool = sqlPool();
  const [overview, sync] = await Promise.all([loadShopOverview(pool, shop), loadSyncSummary(pool, shop.id)]);
  const [forecast, anomalies, counts] = await Promise.all([
    cachedForecastOverview(shop.id),
    cachedAnomalyOverview(shop.id),
    cachedForShop(
      pool,
      {
        shopId: shop.id,
        name: "overview.counts",
        key: "counts",
        ttlSeconds: COUNTS_TTL_SECONDS,
        serveStale: true,
        parse: (value) => SyncedCounts.parse(value),
      },
      () => countSyncedRows(pool, shop.id),
    ),
  ]);
  return { shop: overview, forecast, anomalies, sync: { ...sync, ...counts } };
}
