/**
 * Incremental sync by webhooks (docs/decisions/0021-webhook-receipt.md, 0050-set-based-webhook-processing.md).
 *
 * Receipt (in the route, after HMAC and payload validation): ONE statement stores the event under its
 * unique key (shop, X-Shopify-Webhook-Id) and queues its shop's `sync.webhook` job — a duplicate delivery
 * inserts nothing and queues nothing. Then the route answers 200.
 *
 * Processing (job `sync.webhook`, one at a time per shop): claims up to WEBHOOK_BATCH_SIZE pending events
 * of the shop in one transaction and applies them set-based: one multi-row statement per table, last
 * writer wins by Shopify's updated_at, demand recomputed once per (variant, day) the batch touched. The
 * transaction commits the rows and the events' outcomes together, or nothing: the events stay pending.
 * An event that cannot be applied fails alone (its attempts, exponential back-off, then `dead`, with a
 * Replay button).
 */
import { noteDemandChanged } from "../forecasts/run.server";
import { inTransaction, pool, ShopGoneError, shopTransaction, type Queryable } from "../db/pool.server";
import { SHOP_WEBHOOKS_PREFIX, syncInitialJob, syncWebhookJob } from "../jobs/contracts/sync";
import { addJob, ensureWorkerSchema } from "../jobs/queue.server";
import { shopById, type Shop } from "../shops/lookup.server";
import type { AdminClient } from "./admin-client.server";
import { applyDiscountEvents, pendingDiscountEvents, shopAdminClient } from "./discounts.server";
import { demandKeysOfOrders, fillInStock, lockShopDemand, recomputeDemand, refreshInStockAt } from "./demand.server";
import { planEvent, type PlannedEvent, type StoredWebhookEvent, type WebhookTopic } from "./records";
import { insertRefundLines, newestByKey, upsertLevels, upsertLines, upsertOrders, upsertProducts, upsertVariants } from "./writers.server";

export interface ReceivedWebhook {
  shop: string;
  webhookId: string;
  topic: string;
  apiVersion: string;
  payload: unknown;
}

export type Receipt = "stored" | "duplicate" | "unknown-shop";

/**
 * Stores the event and queues its shop's processing job. Deliveries that arrive while a receipt is being
 * written are grouped into the next statement (group commit): the route still answers only after its event
 * is committed, but a burst costs one transaction and one queue notification per group instead of per
 * webhook (docs/decisions/0021-webhook-receipt.md).
 */
export function receiveWebhook(db: Queryable, event: ReceivedWebhook): Promise<Receipt> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new ReceiptBatcher(db)));
  return batcher.add(event);
}

const MAX_BATCH = 250;
const MAX_IN_FLIGHT = 2;
const batchers = new WeakMap<Queryable, ReceiptBatcher>();

interface PendingReceipt {
  event: ReceivedWebhook;
  resolve: (receipt: Receipt) => void;
  reject: (error: unknown) => void;
}

class ReceiptBatcher {
  private pending: PendingReceipt[] = [];
  private inFlight = 0;

  constructor(private readonly db: Queryable) {}

  add(event: ReceivedWebhook): Promise<Receipt> {
    return new Promise<Receipt>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.inFlight++;
      storeReceipts(
        this.db,
        batch.map((item) => item.event),
      )
        .then(
          (receipts) => batch.forEach((item, index) => item.resolve(receipts[index] ?? "unknown-shop")),
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

/**
 * One statement: insert the events under their unique key, queue one `sync.webhook` job per shop that got
 * a new event. The job key (= its named queue, as the contract builds it) replaces a queued job of the shop
 * and makes it due now; when the shop's job is running, a new one is queued behind it.
 */
async function storeReceipts(db: Queryable, events: ReceivedWebhook[]): Promise<Receipt[]> {
  await ensureWorkerSchema();
  const { rows } = await db.query<{ n: string; known: boolean; stored: boolean }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS i(shop, webhook_id, topic, api_version, payload, n)
     ),
     known AS (SELECT i.*, s.id AS shop_id FROM input i JOIN "Shop" s ON s.domain = i.shop),
     inserted AS (
       INSERT INTO "WebhookEvent" ("shopId", "webhookId", topic, "apiVersion", payload)
       SELECT shop_id, webhook_id, topic, api_version, payload::jsonb FROM known ORDER BY n
       ON CONFLICT ("shopId", "webhookId") DO NOTHING
       RETURNING id, "shopId", "webhookId"
     ),
     jobs AS (
       SELECT count(*) AS added FROM graphile_worker.add_jobs(
         (SELECT array_agg(ROW($6, json_build_object('shopId', shop_id), $8 || shop_id, NULL, $7::smallint, $8 || shop_id, NULL, NULL)::graphile_worker.job_spec)
            FROM (SELECT DISTINCT "shopId" AS shop_id FROM inserted) shops))
     )
     SELECT i.n::text, k.shop_id IS NOT NULL AS known,
            (ins.id IS NOT NULL AND i.n = (SELECT min(k2.n) FROM known k2 WHERE k2.shop_id = k.shop_id AND k2.webhook_id = k.webhook_id)) AS stored
       FROM input i
       LEFT JOIN known k ON k.n = i.n
       LEFT JOIN inserted ins ON ins."shopId" = k.shop_id AND ins."webhookId" = k.webhook_id
      WHERE (SELECT added FROM jobs) >= 0
      ORDER BY i.n`,
    [
      events.map((e) => e.shop),
      events.map((e) => e.webhookId),
      events.map((e) => e.topic),
      events.map((e) => e.apiVersion),
      events.map((e) => JSON.stringify(e.payload)),
      syncWebhookJob.name,
      syncWebhookJob.maxAttempts,
      SHOP_WEBHOOKS_PREFIX,
    ],
  );
  return rows.map((row) => (!row.known ? "unknown-shop" : row.stored ? "stored" : "duplicate"));
}

/**
 * Events per transaction: a backlog costs a few statements per 500 events, and a batch holds its shop's
 * demand lock for a fraction of a second.
 */
export const WEBHOOK_BATCH_SIZE = 500;
/** Failed attempts after which an event is dead (listed with a Replay button). */
export const EVENT_MAX_ATTEMPTS = 10;
/** A shop's job hands over to a fresh one after this long, so that other shops' due jobs get a turn. */
const JOB_BUDGET_MS = 20_000;
/** Discount events read back per round (one Admin API call per discount they name). */
const DISCOUNT_EVENTS_PER_READ = 50;
/** Runs of one batch that a deadlock or serialisation failure may cost before its events are isolated. */
const TRANSIENT_TRIES = 3;

interface EventRow {
  id: string;
  shopId: string;
  topic: WebhookTopic;
  apiVersion: string;
  payload: unknown;
  status: string;
}

/** What became of one event in its batch. `failed`: a failed attempt, recorded on the event. */
export interface EventOutcome {
  status: "processed" | "skipped" | "failed";
  detail?: string;
}

export async function loadEvent(db: Queryable, eventId: string): Promise<EventRow | null> {
  const { rows } = await db.query<EventRow>(
    `SELECT id::text, "shopId", topic, "apiVersion", payload, status FROM "WebhookEvent" WHERE id = $1`,
    [eventId],
  );
  return rows[0] ?? null;
}

/** Applies one stored event now, in its own transaction: a batch of one. */
export async function processEvent(db: Queryable, event: EventRow): Promise<EventOutcome> {
  const shop = await shopById(db, event.shopId);
  if (!shop) throw new ShopGoneError(event.shopId);
  const { outcomes } = await applyBatch(shop, { limit: 1, ids: [event.id] });
  return outcomes.get(event.id) ?? { status: "skipped", detail: "not pending" };
}

export interface DrainResult {
  /** Events claimed (applied, skipped or failed). */
  claimed: number;
  /** The job's time was up with events still pending. */
  more: boolean;
  /** When the next failed event may be tried again, if one waits. */
  retryAt: Date | null;
}

/**
 * The `sync.webhook` job: applies the shop's pending events, batch after batch, until none is left or the
 * job's time is up. A shop that is gone (uninstalled, erased) has its pending events skipped.
 */
export async function drainShopEvents(
  shopId: string,
  options: { batchSize?: number; budgetMs?: number; adminClient?: (shop: Shop) => Promise<AdminClient> } = {},
): Promise<DrainResult> {
  const batchSize = options.batchSize ?? WEBHOOK_BATCH_SIZE;
  const started = Date.now();
  const db = pool();
  let claimed = 0;
  try {
    const shop = await shopById(db, shopId);
    if (!shop) throw new ShopGoneError(shopId);
    // Discount events first, apart from the batches: each is read back from Shopify, never inside a transaction.
    for (;;) {
      const events = await pendingDiscountEvents(db, shop.id, DISCOUNT_EVENTS_PER_READ);
      if (events.length === 0) break;
      await applyDiscountEvents(shop, events, options.adminClient ?? shopAdminClient, (tx, outcomes) =>
        recordOutcomes(tx, shop.id, outcomes),
      );
      claimed += events.length;
      if (events.length < DISCOUNT_EVENTS_PER_READ || Date.now() - started > (options.budgetMs ?? JOB_BUDGET_MS)) break;
    }
    for (;;) {
      const batch = await applyIsolating(shop, { limit: batchSize });
      claimed += batch;
      if (batch < batchSize) break;
      if (Date.now() - started > (options.budgetMs ?? JOB_BUDGET_MS)) return { claimed, more: true, retryAt: null };
    }
  } catch (error) {
    if (!(error instanceof ShopGoneError)) throw error;
    await db.query(
      `UPDATE "WebhookEvent" SET status = 'skipped', "lastError" = $2, "processedAt" = now(), "retryAt" = NULL
        WHERE "shopId" = $1 AND status IN ('received', 'failed')`,
      [shopId, error.message],
    );
    return { claimed, more: false, retryAt: null };
  }
  const { rows } = await db.query<{ at: Date | null }>(
    `SELECT min("retryAt") AS at FROM "WebhookEvent" WHERE "shopId" = $1 AND status = 'failed'`,
    [shopId],
  );
  return { claimed, more: false, retryAt: rows[0]?.at ?? null };
}

/** Shops with events not yet applied (received, or failed and waiting for another attempt). */
export async function shopsWithPendingEvents(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ shopId: string }>(
    `SELECT DISTINCT "shopId" FROM "WebhookEvent" WHERE status IN ('received', 'failed') ORDER BY "shopId"`,
  );
  return rows.map((row) => row.shopId);
}

/**
 * Applies one batch. When it fails, its events are applied again in halves, down to single events, so that
 * an event that cannot be applied fails alone and the others go through. A deadlock or serialisation
 * failure is no event's fault: the same batch runs again first. Returns how many events were claimed.
 */
async function applyIsolating(shop: Shop, claim: { limit: number; ids?: string[] }): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    let claimed: string[] = [];
    try {
      return (await applyBatch(shop, claim, (ids) => (claimed = ids))).claimed.length;
    } catch (error) {
      if (error instanceof ShopGoneError) throw error;
      if (isTransient(error) && attempt < TRANSIENT_TRIES) continue;
      // Nothing was claimed: the database itself is failing. The job fails and Graphile retries it.
      if (claimed.length === 0) throw error;
      if (claimed.length === 1) {
        await recordFailure(pool(), shop.id, claimed, error);
        return 1;
      }
      const half = Math.ceil(claimed.length / 2);
      for (const ids of [claimed.slice(0, half), claimed.slice(half)]) await applyIsolating(shop, { limit: ids.length, ids });
      return claimed.length;
    }
  }
}

function isTransient(error: unknown): boolean {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  // deadlock_detected, serialization_failure, lock_not_available
  return code === "40P01" || code === "40001" || code === "55P03";
}

export interface BatchResult {
  /** The events the batch claimed, in receipt order. */
  claimed: string[];
  outcomes: Map<string, EventOutcome>;
}

/**
 * One transaction: claims up to `limit` pending events of the shop (or of `ids`) in receipt order, applies
 * them and records their outcomes. All of it commits, or none of it and the events stay pending.
 * `onClaim` learns the claimed ids before anything is applied (to isolate a failing event).
 */
export async function applyBatch(
  shop: Shop,
  claim: { limit: number; ids?: string[] },
  onClaim: (ids: string[]) => void = () => {},
): Promise<BatchResult> {
  return shopTransaction(shop.id, async (tx) => {
    // First: batches of one shop, and anything else that recomputes its demand, run one after the other.
    await lockShopDemand(tx, shop.id);
    // Named ids are claimed whatever their back-off (one event applied now, the halves of a failed batch).
    const { rows } = await tx.query<StoredWebhookEvent>(
      `SELECT e.id::text, e.topic, e."apiVersion", e.payload FROM "WebhookEvent" e
        WHERE e."shopId" = $1 AND e.status IN ('received', 'failed') AND e.topic NOT LIKE 'discounts/%'
          AND ${claim.ids ? `e.id = ANY($3::bigint[])` : `(e."retryAt" IS NULL OR e."retryAt" <= now())`}
        ORDER BY e.id LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      claim.ids ? [shop.id, claim.limit, claim.ids] : [shop.id, claim.limit],
    );
    const claimed = rows.map((row) => row.id);
    onClaim(claimed);
    if (rows.length === 0) return { claimed, outcomes: new Map() };
    const outcomes = await applyEvents(tx, shop, rows.map(planEvent));
    await recordOutcomes(tx, shop.id, outcomes);
    return { claimed, outcomes };
  });
}

type Planned<K extends PlannedEvent["kind"]> = Extract<PlannedEvent, { kind: K }>;

/** The stored products' Shopify updated_at (epoch ms) by id. */
async function productTimes(db: Queryable, shopId: string, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; updatedAt: Date }>(
    `SELECT id::text, "shopifyUpdatedAt" AS "updatedAt" FROM "Product" WHERE "shopId" = $1 AND id = ANY($2::bigint[])`,
    [shopId, ids],
  );
  return new Map(rows.map((row) => [row.id, row.updatedAt.getTime()]));
}

const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);

/**
 * The batch's writes, one statement per table. Within a batch the newest record per key wins (ties: the
 * later event), and against stored rows `updated_at` decides as before, so a batch ends in the state
 * its events reach applied one by one. The catalogue goes first, since the variant ↔ inventory item
 * mapping decides which stock history demand rows read; demand is recomputed once per (variant, day).
 */
async function applyEvents(tx: Queryable, shop: Shop, planned: PlannedEvent[]): Promise<Map<string, EventOutcome>> {
  const outcomes = new Map<string, EventOutcome>();
  const of = <K extends PlannedEvent["kind"]>(kind: K) => planned.filter((event): event is Planned<K> => event.kind === kind);

  // Products. In receipt order, a payload is written when it is not older than the stored product and the
  // payloads written before it: what applying them one by one does. The newest becomes the product's row;
  // the variants of all of them are kept, and those the newest no longer lists are marked deleted.
  const products = of("product");
  const storedAt = await productTimes(tx, shop.id, [...new Set(products.map((e) => e.product.id))]);
  const written: Planned<"product">[] = [];
  for (const event of products) {
    const at = Date.parse(event.product.updatedAt);
    if (at < (storedAt.get(event.product.id) ?? -Infinity)) {
      outcomes.set(event.id, { status: "skipped", detail: "older than stored product" });
      continue;
    }
    storedAt.set(event.product.id, at);
    written.push(event);
    outcomes.set(event.id, { status: "processed" });
  }
  const newestProducts = newestByKey(
    written,
    (e) => e.product.id,
    (e) => e.product.updatedAt,
  );
  await upsertProducts(
    tx,
    shop.id,
    newestProducts.map((e) => e.product),
  );
  const variants = written.flatMap((e) => e.variants);
  await upsertVariants(tx, shop.id, variants);
  if (newestProducts.length > 0) {
    // Variants missing from the newest product payload were deleted in Shopify.
    await tx.query(
      `UPDATE "ProductVariant" v SET "deletedAt" = coalesce(v."deletedAt", p.at)
         FROM unnest($2::bigint[], $3::timestamptz[]) AS p(product_id, at)
        WHERE v."shopId" = $1 AND v."productId" = p.product_id AND v."shopifyUpdatedAt" <= p.at AND NOT (v.id = ANY($4::bigint[]))`,
      [
        shop.id,
        newestProducts.map((e) => e.product.id),
        newestProducts.map((e) => e.product.updatedAt),
        newestProducts.flatMap((e) => e.variants.map((v) => v.id)),
      ],
    );
  }

  // A deleted product never comes back under the same id, so the mark is final whatever arrives later.
  const deleted = of("product-delete");
  if (deleted.length > 0) {
    const ids = deleted.map((e) => e.productId);
    await tx.query(`UPDATE "Product" SET "deletedAt" = coalesce("deletedAt", now()) WHERE "shopId" = $1 AND id = ANY($2::bigint[])`, [
      shop.id,
      ids,
    ]);
    await tx.query(
      `UPDATE "ProductVariant" SET "deletedAt" = coalesce("deletedAt", now()) WHERE "shopId" = $1 AND "productId" = ANY($2::bigint[])`,
      [shop.id, ids],
    );
    for (const event of deleted) outcomes.set(event.id, { status: "processed" });
  }

  // Stock levels and their history (every event counts there).
  const levels = of("level");
  await upsertLevels(
    tx,
    shop.id,
    shop.timezone,
    levels.map((e) => e.level),
  );
  for (const event of levels) outcomes.set(event.id, { status: "processed" });

  // Orders and refunds, then their demand.
  const orders = of("order");
  const refunds = of("refund");
  const touched = [...new Set([...orders.map((e) => e.order.order.id), ...refunds.map((e) => e.orderId)])];
  if (touched.length > 0) {
    const before = await demandKeysOfOrders(tx, shop.id, touched);
    // Refunds are append-only facts: keep them whatever the order's age.
    await insertRefundLines(tx, shop.id, [...orders.flatMap((e) => e.order.refunds), ...refunds.flatMap((e) => e.refunds)]);
    const newestOrders = newestByKey(
      orders,
      (e) => e.order.order.id,
      (e) => e.order.order.updatedAt,
    );
    const writtenOrders = new Set(
      await upsertOrders(
        tx,
        shop.id,
        shop.timezone,
        newestOrders.map((e) => e.order.order),
      ),
    );
    const appliedOrders = new Map(newestOrders.filter((e) => writtenOrders.has(e.order.order.id)).map((e) => [e.order.order.id, e]));
    if (appliedOrders.size > 0) {
      const lines = [...appliedOrders.values()].flatMap((e) => e.order.lines);
      await tx.query(`DELETE FROM "OrderLine" WHERE "shopId" = $1 AND "orderId" = ANY($2::bigint[]) AND NOT (id = ANY($3::bigint[]))`, [
        shop.id,
        [...appliedOrders.keys()],
        lines.map((l) => l.id),
      ]);
      await upsertLines(tx, shop.id, lines);
    }
    const after = await demandKeysOfOrders(tx, shop.id, touched);
    await recomputeDemand(tx, shop.id, [...before, ...after]);
    await noteDemandChanged(shop.id, after.length, tx);
    for (const event of orders) {
      const applied = appliedOrders.get(event.order.order.id);
      const current = applied !== undefined && sameInstant(applied.order.order.updatedAt, event.order.order.updatedAt);
      outcomes.set(
        event.id,
        current || event.order.refunds.length > 0 ? { status: "processed" } : { status: "skipped", detail: "older than stored order" },
      );
    }
    for (const event of refunds) outcomes.set(event.id, { status: "processed" });
  }

  // In stock: the days of the stock events, then every day of the variants whose mapping may have changed.
  await refreshInStockAt(
    tx,
    shop.id,
    shop.timezone,
    levels.map((e) => e.level.updatedAt),
  );
  await fillInStock(
    tx,
    shop.id,
    variants.map((v) => v.id),
    null,
  );

  // A finished bulk operation wakes the shop's sync (its job commits with the event's outcome).
  const finished = of("bulk-finish");
  if (finished.length > 0) await addJob(tx, syncInitialJob, { shop: shop.domain });
  for (const event of finished) outcomes.set(event.id, { status: "processed", detail: event.detail });
  for (const event of of("ignored")) outcomes.set(event.id, { status: "skipped", detail: event.detail });
  for (const event of of("invalid")) outcomes.set(event.id, { status: "failed", detail: event.error });
  return outcomes;
}

/**
 * Writes the outcomes of a batch's events in one statement. A failure counts an attempt and sets the
 * back-off (Graphile's: e^attempts seconds); the last allowed attempt leaves the event dead.
 */
async function recordOutcomes(db: Queryable, shopId: string, outcomes: Map<string, EventOutcome>): Promise<void> {
  const list = [...outcomes];
  await db.query(
    `UPDATE "WebhookEvent" e SET
       status = CASE WHEN u.status <> 'failed' THEN u.status WHEN e.attempts + 1 >= $3 THEN 'dead' ELSE 'failed' END,
       attempts = e.attempts + CASE WHEN u.status = 'failed' THEN 1 ELSE 0 END,
       "retryAt" = CASE WHEN u.status = 'failed' THEN now() + make_interval(secs => exp(least(e.attempts + 1, 10))) END,
       "processedAt" = CASE WHEN u.status = 'failed' THEN e."processedAt" ELSE now() END,
       "lastError" = u.detail
      FROM unnest($2::bigint[], $4::text[], $5::text[]) AS u(id, status, detail)
     WHERE e."shopId" = $1 AND e.id = u.id`,
    [
      shopId,
      list.map(([id]) => id),
      EVENT_MAX_ATTEMPTS,
      list.map(([, outcome]) => outcome.status),
      list.map(([, outcome]) => outcome.detail?.slice(0, 1000) ?? null),
    ],
  );
}

/** Records a failed attempt of events whose batch could not be applied (outside its rolled-back transaction). */
async function recordFailure(db: Queryable, shopId: string, eventIds: string[], error: unknown): Promise<void> {
  const detail = String(error instanceof Error ? error.message : error);
  await recordOutcomes(db, shopId, new Map(eventIds.map((id) => [id, { status: "failed", detail }])));
}

/** Replays a failed or dead event of the shop: pending again at once, and its shop's job queued. */
export async function replayEvent(shopDomain: string, eventId: string): Promise<boolean> {
  return inTransaction(async (tx) => {
    const { rows } = await tx.query<{ shopId: string }>(
      `UPDATE "WebhookEvent" e SET status = 'received', attempts = 0, "retryAt" = NULL FROM "Shop" s
        WHERE e.id = $2 AND e."shopId" = s.id AND s.domain = $1 AND e.status IN ('failed', 'dead')
        RETURNING e."shopId"`,
      [shopDomain, eventId],
    );
    const shopId = rows[0]?.shopId;
    if (!shopId) return false;
    await addJob(tx, syncWebhookJob, { shopId });
    return true;
  });
}
