/**
 * The initial sync of a shop, as a chain of steps of one Graphile job (`sync.initial`, one at a time per
 * shop in the shop's named queue): locations → products and variants → inventory levels → orders
 * (24 months with read_all_orders, else the 60 days Shopify allows) → promotions (discounts and marketing
 * activities, decision 0055) → daily demand → refund lines.
 *
 * All progress lives in the SyncRun row, and every write is an idempotent upsert committed together with
 * its checkpoint (the JSONL line reached), so a crash at any point resumes where the last commit left
 * off and ends in exactly the same state. See docs/decisions/0020-bulk-operations-streaming.md.
 */
import type { AdminClient } from "./admin-client.server";
import { shopTransaction, type Queryable } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";
import { noteDemandChanged, requestForecastRun } from "../forecasts/run.server";
import { dayIn, demandKeysOfOrders, lockShopDemand, rebuildDemand, recomputeDemand, refreshInStock } from "./demand.server";
import { syncPromotions } from "./discounts.server";
import { numericId } from "./ids";
import { batches, downloadJsonl, type JsonlLine } from "./jsonl";
import {
  BulkInventoryLevel,
  BulkLineItem,
  BulkOrder,
  BulkProduct,
  BulkVariant,
  levelFromBulk,
  lineFromBulk,
  orderFromBulk,
  productFromBulk,
  RefundLinesNode,
  refundLinesTruncated,
  type RefundLineRow,
  refundLinesFromNode,
  variantFromBulk,
} from "./records";
import {
  BULK_INVENTORY,
  BULK_OPERATION_QUERY,
  BULK_PRODUCTS,
  BULK_RUN_MUTATION,
  bulkOrdersQuery,
  CURRENT_BULK_OPERATION_QUERY,
  LOCATIONS_QUERY,
  REFUND_LINES_ONE_QUERY,
  REFUND_LINES_QUERY,
  REFUND_ORDERS_PER_REQUEST,
} from "./shopify-queries";
import {
  insertRefundLines,
  upsertLevels,
  upsertLines,
  upsertLocations,
  upsertOrders,
  upsertProducts,
  upsertVariants,
} from "./writers.server";

/**
 * Refund details come last: Shopify's bulk queries cannot read them (a connection inside a list), so they
 * are paged through the cost-limited API, a few orders per second on a standard plan. The demand table is
 * built before them, so forecasts can start; each batch of refund details then corrects its orders' demand.
 */
export const PHASES = ["locations", "products", "inventory", "orders", "promotions", "demand", "refunds"] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseState {
  state: "waiting" | "running" | "done";
  rows: number;
  total?: number;
  startedAt?: string;
  finishedAt?: string;
  rowsPerSecond?: number;
  bulkOperationId?: string | null;
  bulkStatus?: string;
  linesDone?: number;
  attempts?: number;
  polls?: number;
  /** Promotions: the scopes the shop has not granted, whose source was not read (decision 0055). */
  unavailable?: string[];
}

export interface SyncRunRow {
  id: string;
  shopId: string;
  status: string;
  phase: string;
  phases: Partial<Record<Phase, PhaseState>>;
  allOrders: boolean;
  ordersFrom: Date | null;
}

export interface SyncContext {
  db: Queryable;
  shop: Shop;
  client: AdminClient;
  fetchImpl?: typeof fetch;
  now?: () => Date;
  batchSize?: number;
  log?: (line: string) => void;
}

export type Step = { kind: "continue" } | { kind: "wait"; ms: number } | { kind: "done" };

const HISTORY_DAYS = 730;
const WITHOUT_ALL_ORDERS_DAYS = 60;

/** The shop's running initial sync, or a new one. */
export async function startOrResumeRun(db: Queryable, shop: Shop, now = new Date()): Promise<SyncRunRow> {
  const existing = await db.query<SyncRunRow>(
    `SELECT id, "shopId", status, phase, phases, "allOrders", "ordersFrom" FROM "SyncRun"
      WHERE "shopId" = $1 AND kind = 'initial' AND status = 'running' ORDER BY "startedAt" DESC LIMIT 1`,
    [shop.id],
  );
  if (existing.rows[0]) return existing.rows[0];
  const allOrders = shop.scopes
    .split(",")
    .map((s) => s.trim())
    .includes("read_all_orders");
  const days = allOrders ? HISTORY_DAYS : WITHOUT_ALL_ORDERS_DAYS;
  const ordersFrom = new Date(now.getTime() - days * 86_400_000);
  const phases = Object.fromEntries(PHASES.map((p) => [p, { state: "waiting", rows: 0 }]));
  const { rows } = await db.query<SyncRunRow>(
    `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, phases, "allOrders", "ordersFrom", "startedAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, 'initial', 'running', 'locations', $2::jsonb, $3, $4, $5, $5)
     RETURNING id, "shopId", status, phase, phases, "allOrders", "ordersFrom"`,
    [shop.id, JSON.stringify(phases), allOrders, ordersFrom, now],
  );
  return rows[0] as SyncRunRow;
}

async function patchPhase(db: Queryable, runId: string, phase: Phase, patch: Partial<PhaseState>, setPhase?: string): Promise<void> {
  await db.query(
    `UPDATE "SyncRun" SET phases = phases || jsonb_build_object($2::text, coalesce(phases -> $2::text, '{}'::jsonb) || $3::jsonb),
       phase = coalesce($4, phase), "updatedAt" = now()
     WHERE id = $1`,
    [runId, phase, JSON.stringify(patch), setPhase ?? null],
  );
}

async function addRows(db: Queryable, runId: string, phase: Phase, rows: number, patch: Partial<PhaseState> = {}): Promise<void> {
  await db.query(
    `UPDATE "SyncRun" SET phases = jsonb_set(phases, ARRAY[$2::text],
         (coalesce(phases -> $2::text, '{}'::jsonb) || $4::jsonb)
         || jsonb_build_object('rows', coalesce((phases -> $2::text ->> 'rows')::bigint, 0) + $3::bigint)),
       "updatedAt" = now()
     WHERE id = $1`,
    [runId, phase, rows, JSON.stringify(patch)],
  );
}

export async function recordError(db: Queryable, runId: string, phase: string, message: string): Promise<void> {
  await db.query(
    `UPDATE "SyncRun" SET errors = (CASE WHEN jsonb_array_length(errors) >= 50 THEN errors - 0 ELSE errors END)
         || jsonb_build_array(jsonb_build_object('at', now(), 'phase', $2::text, 'message', $3::text)), "updatedAt" = now()
      WHERE id = $1`,
    [runId, phase, message.slice(0, 1000)],
  );
}

async function reload(db: Queryable, runId: string): Promise<SyncRunRow> {
  const { rows } = await db.query<SyncRunRow>(
    `SELECT id, "shopId", status, phase, phases, "allOrders", "ordersFrom" FROM "SyncRun" WHERE id = $1`,
    [runId],
  );
  if (!rows[0]) throw new Error(`sync run ${runId} vanished`);
  return rows[0];
}

function rate(rows: number, startedAt: string | undefined, now: Date): number | undefined {
  if (!startedAt) return undefined;
  const seconds = (now.getTime() - Date.parse(startedAt)) / 1000;
  return seconds > 0 ? Math.round(rows / seconds) : undefined;
}

async function finishPhase(ctx: SyncContext, run: SyncRunRow, phase: Phase): Promise<void> {
  const now = ctx.now?.() ?? new Date();
  const fresh = await reload(ctx.db, run.id);
  const state = fresh.phases[phase];
  const next = PHASES[PHASES.indexOf(phase) + 1];
  await patchPhase(
    ctx.db,
    run.id,
    phase,
    { state: "done", finishedAt: now.toISOString(), rowsPerSecond: rate(state?.rows ?? 0, state?.startedAt, now) },
    next ?? "done",
  );
  ctx.log?.(`${ctx.shop.domain}: ${phase} done (${state?.rows ?? 0} rows)`);
}

/** Advances the run by one step. The job calls it until it returns `done` or `wait`. */
export async function advance(ctx: SyncContext, runId: string): Promise<Step> {
  const run = await reload(ctx.db, runId);
  if (run.status !== "running") return { kind: "done" };
  const phase = PHASES.find((p) => run.phases[p]?.state !== "done");
  if (!phase) {
    await ctx.db.query(
      `UPDATE "SyncRun" SET status = 'completed', phase = 'done', "finishedAt" = now(), "updatedAt" = now() WHERE id = $1`,
      [run.id],
    );
    return { kind: "done" };
  }
  if (run.phases[phase]?.state !== "running") {
    await patchPhase(ctx.db, run.id, phase, { state: "running", startedAt: (ctx.now?.() ?? new Date()).toISOString() }, phase);
  }
  switch (phase) {
    case "locations":
      await syncLocations(ctx, run);
      await finishPhase(ctx, run, phase);
      return { kind: "continue" };
    case "products":
      return bulkPhase(ctx, run, phase, BULK_PRODUCTS, importProducts);
    case "inventory":
      return bulkPhase(ctx, run, phase, BULK_INVENTORY, importLevels);
    case "orders": {
      const from = (run.ordersFrom ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, "Z");
      return bulkPhase(ctx, run, phase, bulkOrdersQuery(from), importOrders);
    }
    case "refunds":
      return refundsPhase(ctx, run);
    case "promotions": {
      // Before the demand table, so the first forecasts already know the shop's promotions.
      const read = await syncPromotions(ctx, () => ctx.now?.() ?? new Date());
      await addRows(ctx.db, run.id, phase, read.discounts + read.marketingEvents, { unavailable: read.unavailable });
      if (read.invalid.length > 0)
        await recordError(ctx.db, run.id, phase, `${read.invalid.length} invalid record(s) skipped, e.g. ${read.invalid[0]}`);
      await finishPhase(ctx, run, phase);
      return { kind: "continue" };
    }
    case "demand":
      await shopTransaction(ctx.shop.id, async (tx) => {
        await lockShopDemand(tx, ctx.shop.id);
        const rows = await rebuildDemand(tx, ctx.shop.id);
        const today = dayIn(ctx.shop.timezone, ctx.now?.() ?? new Date());
        await refreshInStock(tx, ctx.shop.id, today, today);
        await addRows(tx, run.id, "demand", rows);
        // The demand table is complete: the shop's first forecasts need not wait for refund details.
        await requestForecastRun(ctx.shop.id, "data_change", { db: tx });
      });
      await finishPhase(ctx, run, phase);
      return { kind: "continue" };
  }
}

// ---------------------------------------------------------------------------------------------------

const LocationsAnswer = {
  parse(data: unknown) {
    const locations = (data as { locations?: { nodes?: unknown[]; pageInfo?: { hasNextPage?: boolean; endCursor?: string | null } } })
      .locations;
    if (!locations || !Array.isArray(locations.nodes)) throw new Error("unexpected locations answer");
    const nodes = locations.nodes.map((node) => {
      const n = node as { id?: unknown; name?: unknown; isActive?: unknown; updatedAt?: unknown };
      if (typeof n.id !== "string" || typeof n.name !== "string") throw new Error("unexpected location record");
      return {
        id: numericId(n.id),
        name: n.name,
        isActive: n.isActive !== false,
        updatedAt: typeof n.updatedAt === "string" ? n.updatedAt : "1970-01-01T00:00:00Z",
      };
    });
    return { nodes, hasNextPage: locations.pageInfo?.hasNextPage === true, endCursor: locations.pageInfo?.endCursor ?? null };
  },
};

async function syncLocations(ctx: SyncContext, run: SyncRunRow): Promise<void> {
  let after: string | null = null;
  let total = 0;
  for (;;) {
    const page = LocationsAnswer.parse(await ctx.client.request(LOCATIONS_QUERY, { after }));
    await upsertLocations(ctx.db, ctx.shop.id, page.nodes);
    total += page.nodes.length;
    if (!page.hasNextPage || !page.endCursor) break;
    after = page.endCursor;
  }
  await patchPhase(ctx.db, run.id, "locations", { rows: total, total });
}

// ---------------------------------------------------------------------------------------------------
// Bulk phases

interface BulkOperationInfo {
  id: string;
  status: string;
  errorCode?: string | null;
  objectCount?: string | number | null;
  url?: string | null;
  query?: string | null;
}

type Importer = (ctx: SyncContext, lines: JsonlLine[]) => Promise<{ rows: number; invalid: string[] }>;

const normalise = (query: string) => query.replace(/\s+/g, "");

async function startBulk(ctx: SyncContext, query: string): Promise<{ id: string } | { busy: true }> {
  const data = await ctx.client.request<{
    bulkOperationRunQuery: {
      bulkOperation: { id: string; status: string } | null;
      userErrors: { message: string; code?: string | null }[];
    };
  }>(BULK_RUN_MUTATION, { query });
  const result = data.bulkOperationRunQuery;
  if (result.bulkOperation) return { id: result.bulkOperation.id };
  const inProgress = result.userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS" || /already in progress/i.test(e.message));
  if (!inProgress) throw new Error(`bulk query refused: ${result.userErrors.map((e) => e.message).join("; ")}`);
  // One bulk query per shop before API 2026-01: adopt ours if a crash left it running, else wait.
  const current = await ctx.client.request<{ currentBulkOperation: BulkOperationInfo | null }>(CURRENT_BULK_OPERATION_QUERY);
  const op = current.currentBulkOperation;
  if (op && op.query && normalise(op.query) === normalise(query)) return { id: op.id };
  return { busy: true };
}

async function bulkPhase(ctx: SyncContext, run: SyncRunRow, phase: Phase, query: string, importer: Importer): Promise<Step> {
  const state = run.phases[phase] ?? { state: "running", rows: 0 };
  if (!state.bulkOperationId) {
    const started = await startBulk(ctx, query);
    if ("busy" in started) return { kind: "wait", ms: 5000 };
    await patchPhase(ctx.db, run.id, phase, { bulkOperationId: started.id, bulkStatus: "CREATED", linesDone: 0, polls: 0 });
    return { kind: "wait", ms: 500 };
  }
  const answer = await ctx.client.request<{ node: BulkOperationInfo | null }>(BULK_OPERATION_QUERY, { id: state.bulkOperationId });
  const op = answer.node;
  if (!op) throw new Error(`bulk operation ${state.bulkOperationId} not found`);
  if (op.status === "CREATED" || op.status === "RUNNING") {
    const polls = (state.polls ?? 0) + 1;
    await patchPhase(ctx.db, run.id, phase, { bulkStatus: op.status, polls, total: Number(op.objectCount ?? 0) || undefined });
    // Polling backs off to 10 s; bulk_operations/finish wakes the job up earlier.
    return { kind: "wait", ms: Math.min(10_000, 250 * 2 ** Math.min(polls, 6)) };
  }
  if (op.status !== "COMPLETED") {
    const attempts = (state.attempts ?? 0) + 1;
    await recordError(ctx.db, run.id, phase, `bulk operation ${op.id} ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ""}`);
    if (attempts > 3) throw new Error(`bulk ${phase} failed ${attempts} times (${op.status})`);
    await patchPhase(ctx.db, run.id, phase, { bulkOperationId: null, attempts, linesDone: 0 });
    return { kind: "wait", ms: 1000 };
  }
  if (op.url) {
    const lines = await downloadJsonl(op.url, ctx.fetchImpl);
    const size = ctx.batchSize ?? 2000;
    let done = state.linesDone ?? 0;
    for await (const batch of batches(lines, size, done)) {
      const last = batch[batch.length - 1] as JsonlLine;
      const outcome = await shopTransaction(ctx.shop.id, async (tx) => {
        const result = await importer({ ...ctx, db: tx }, batch);
        // The checkpoint commits with the rows it covers.
        await addRows(tx, run.id, phase, result.rows, { linesDone: last.index + 1, bulkStatus: "COMPLETED" });
        return result;
      });
      done = last.index + 1;
      if (outcome.invalid.length > 0) {
        await recordError(ctx.db, run.id, phase, `${outcome.invalid.length} invalid record(s) skipped, e.g. ${outcome.invalid[0]}`);
      }
    }
  }
  await finishPhase(ctx, run, phase);
  return { kind: "continue" };
}

function typeOf(value: unknown): string {
  const v = value as { __typename?: unknown; id?: unknown };
  if (typeof v.__typename === "string") return v.__typename;
  const match = typeof v.id === "string" ? /gid:\/\/shopify\/(\w+)\//.exec(v.id) : null;
  return match?.[1] ?? "unknown";
}

const importProducts: Importer = async (ctx, lines) => {
  const products = [];
  const variants = [];
  const invalid: string[] = [];
  for (const { index, value } of lines) {
    const type = typeOf(value);
    if (type === "Product") {
      const parsed = BulkProduct.safeParse(value);
      if (parsed.success) products.push(productFromBulk(parsed.data));
      else invalid.push(`line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    } else if (type === "ProductVariant") {
      const parsed = BulkVariant.safeParse(value);
      if (parsed.success) variants.push(variantFromBulk(parsed.data));
      else invalid.push(`line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    }
  }
  await upsertProducts(ctx.db, ctx.shop.id, products);
  await upsertVariants(ctx.db, ctx.shop.id, variants);
  return { rows: products.length + variants.length, invalid };
};

const importLevels: Importer = async (ctx, lines) => {
  const levels = [];
  const invalid: string[] = [];
  for (const { index, value } of lines) {
    if (typeOf(value) !== "InventoryLevel") continue;
    const parsed = BulkInventoryLevel.safeParse(value);
    if (parsed.success) levels.push(levelFromBulk(parsed.data));
    else invalid.push(`line ${index + 1}: ${parsed.error.issues[0]?.message}`);
  }
  // A snapshot at sync time: that is when we know the level (inventory history starts at install).
  await upsertLevels(ctx.db, ctx.shop.id, ctx.shop.timezone, levels, (ctx.now?.() ?? new Date()).toISOString());
  return { rows: levels.length, invalid };
};

const importOrders: Importer = async (ctx, lines) => {
  const orders = [];
  const items = [];
  const invalid: string[] = [];
  for (const { index, value } of lines) {
    const type = typeOf(value);
    if (type === "Order") {
      const parsed = BulkOrder.safeParse(value);
      if (parsed.success) orders.push(orderFromBulk(parsed.data));
      else invalid.push(`line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    } else if (type === "LineItem") {
      const parsed = BulkLineItem.safeParse(value);
      if (parsed.success) items.push(lineFromBulk(parsed.data));
      else invalid.push(`line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    }
  }
  await upsertOrders(ctx.db, ctx.shop.id, ctx.shop.timezone, orders);
  await upsertLines(ctx.db, ctx.shop.id, items);
  return { rows: orders.length + items.length, invalid };
};

// ---------------------------------------------------------------------------------------------------

async function refundsPhase(ctx: SyncContext, run: SyncRunRow): Promise<Step> {
  const state = run.phases.refunds;
  if (state?.total === undefined) {
    const { rows } = await ctx.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Order" WHERE "shopId" = $1 AND "refundsPending"`, [
      ctx.shop.id,
    ]);
    await patchPhase(ctx.db, run.id, "refunds", { total: Number(rows[0]?.n ?? 0) });
  }
  const started = Date.now();
  for (;;) {
    const { rows: pending } = await ctx.db.query<{ id: string; created: Date }>(
      `SELECT id::text, "shopifyCreatedAt" AS created FROM "Order" WHERE "shopId" = $1 AND "refundsPending" ORDER BY id LIMIT $2`,
      [ctx.shop.id, REFUND_ORDERS_PER_REQUEST],
    );
    if (pending.length === 0) break;
    const data = await ctx.client.request<{ nodes: unknown[] }>(REFUND_LINES_QUERY, {
      ids: pending.map((o) => `gid://shopify/Order/${o.id}`),
    });
    const lines: RefundLineRow[] = [];
    for (const [i, node] of data.nodes.entries()) {
      if (node === null) continue; // deleted since: nothing to add
      const created = (pending[i]?.created ?? new Date()).toISOString();
      let parsed = RefundLinesNode.safeParse(node);
      if (parsed.success && refundLinesTruncated(parsed.data, 3)) {
        // More refunds or lines than the batched query reads: this order alone, in full.
        const one = await ctx.client.request<{ node: unknown }>(REFUND_LINES_ONE_QUERY, { id: parsed.data.id });
        if (one.node !== null) parsed = RefundLinesNode.safeParse(one.node);
        if (parsed.success && refundLinesTruncated(parsed.data, 10)) {
          await recordError(
            ctx.db,
            run.id,
            "refunds",
            `order ${parsed.data.id} has more than 10 refunds or 45 lines in one: the rest is not counted`,
          );
        }
      }
      if (!parsed.success) {
        await recordError(ctx.db, run.id, "refunds", `invalid refund record: ${parsed.error.issues[0]?.message}`);
        continue;
      }
      lines.push(...refundLinesFromNode(parsed.data, created));
    }
    await shopTransaction(ctx.shop.id, async (tx) => {
      await lockShopDemand(tx, ctx.shop.id);
      await insertRefundLines(tx, ctx.shop.id, lines);
      await tx.query(`UPDATE "Order" SET "refundsPending" = false WHERE "shopId" = $1 AND id = ANY($2::bigint[])`, [
        ctx.shop.id,
        pending.map((o) => o.id),
      ]);
      // The demand table already exists: restocked units leave these orders' days now.
      const keys = await demandKeysOfOrders(
        tx,
        ctx.shop.id,
        pending.map((o) => o.id),
      );
      await recomputeDemand(tx, ctx.shop.id, keys);
      await noteDemandChanged(ctx.shop.id, keys.length, tx);
      await addRows(tx, run.id, "refunds", pending.length);
    });
    // Keep one job short: hand over to a fresh job every ~30 s.
    if (Date.now() - started > 30_000) return { kind: "continue" };
  }
  await finishPhase(ctx, run, "refunds");
  return { kind: "continue" };
}
