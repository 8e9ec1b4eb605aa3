/**
 * Promotions from Shopify into the `Promotion` table (issue 17, decision 0055): every discount (read_discounts) and
 * marketing activity (read_marketing_events) read through the throttle-aware Admin client, in the initial sync's
 * "promotions" phase and the nightly reconciliation; and the discount webhooks, which name a discount without its
 * details, so each one is read back by id. Last writer wins by Shopify's `updatedAt`; a deleted discount keeps its row
 * with `deletedAt`. A shop that has not granted a scope (installed before Fluxor asked for it) goes on without that
 * source: the result says it is unavailable, and the next reconciliation after the merchant grants it reads it.
 */
import type { AdminClient } from "./admin-client.server";
import { createAdminClient, fetchTransport, ShopifyGraphqlError } from "./admin-client.server";
import { postgresCircuit } from "./circuit.server";
import { pool, shopTransaction, type Queryable } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";
import {
  discountExternalId,
  DiscountNodeRecord,
  DiscountPayload,
  hasScope,
  IdPage,
  MarketingEventRecord,
  NodesPage,
  promotionFromDiscount,
  promotionFromMarketingEvent,
  PROMOTION_SCOPES,
  rejection,
  targetsOf,
  type PromotionRow,
  type TargetList,
} from "./discounts";
import { numericId } from "./ids";
import {
  COLLECTION_PRODUCTS_QUERY,
  DISCOUNT_NODE_QUERY,
  DISCOUNTS_QUERY,
  discountTargetsQuery,
  MARKETING_EVENTS_QUERY,
} from "./shopify-queries";

export interface PromotionSyncResult {
  /** Rows read and written (or left, when what we hold is newer). */
  discounts: number;
  marketingEvents: number;
  /** Rows Shopify no longer holds, marked deleted (a missed webhook). */
  removed: number;
  /** The scopes the shop has not granted: their source was not read. */
  unavailable: string[];
  /** Records refused by validation, one line each. */
  invalid: string[];
}

interface PromotionContext {
  shop: Shop;
  client: AdminClient;
}

/** Shopify refused a field for a missing scope (the token's scopes can lag behind what the shop row says). */
function accessDenied(error: unknown): boolean {
  return error instanceof ShopifyGraphqlError && /access denied/i.test(error.message);
}

/** Every page of the connection `pick` finds in each answer, as raw nodes; none when it finds nothing (a deleted record). */
async function readAll(
  client: AdminClient,
  query: string,
  pick: (data: Record<string, unknown>) => unknown,
  variables: Record<string, unknown> = {},
): Promise<unknown[]> {
  const nodes: unknown[] = [];
  let after: string | null = null;
  for (;;) {
    const found = pick(await client.request<Record<string, unknown>>(query, { ...variables, after }));
    if (found === null || found === undefined) return nodes;
    const page = NodesPage.parse(found);
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** The rest of one target list of a discount, from `after`. */
async function moreTargets(client: AdminClient, id: string, list: TargetList, after: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = after;
  const query = discountTargetsQuery(list);
  while (cursor) {
    const data: { discountNode: { discount: { customerGets?: { items?: Record<string, unknown> } } } | null } = await client.request(
      query,
      {
        id,
        after: cursor,
      },
    );
    const raw = data.discountNode?.discount.customerGets?.items?.[list];
    if (raw === undefined) break; // deleted or changed meanwhile: the next webhook or reconciliation reads it again
    const page = IdPage.parse(raw);
    ids.push(...page.nodes.map((n) => numericId(n.id)));
    cursor = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
  }
  return ids;
}

/** Reads discount nodes into rows: their full target lists and their collections' products (cached per read). */
class DiscountReader {
  private readonly collections = new Map<string, string[]>();
  readonly invalid: string[] = [];

  constructor(
    private readonly client: AdminClient,
    private readonly timeZone: string,
  ) {}

  async row(raw: unknown): Promise<PromotionRow | null> {
    const parsed = DiscountNodeRecord.safeParse(raw);
    if (!parsed.success) {
      this.invalid.push(rejection("discount", raw, parsed.error));
      return null;
    }
    const targets = targetsOf(parsed.data);
    for (const [list, after] of Object.entries(targets.more) as [TargetList, string][])
      targets.ids[list].push(...(await moreTargets(this.client, parsed.data.id, list, after)));
    for (const id of targets.ids.collections) if (!this.collections.has(id)) this.collections.set(id, await this.collectionProducts(id));
    return promotionFromDiscount(parsed.data, targets, this.collections, this.timeZone);
  }

  /** A collection's products; none once it is deleted. */
  private async collectionProducts(id: string): Promise<string[]> {
    const nodes = await readAll(
      this.client,
      COLLECTION_PRODUCTS_QUERY,
      (data) => (data.collection as { products?: unknown } | null)?.products,
      { id: `gid://shopify/Collection/${id}` },
    );
    return IdPage.shape.nodes.parse(nodes).map((n) => numericId(n.id));
  }
}

/**
 * Writes rows, last writer wins by `sourceUpdatedAt` (a tie rewrites the same facts); a deleted row stays deleted.
 * Returns the external ids written.
 */
export async function upsertPromotions(db: Queryable, shopId: string, rows: PromotionRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  // One statement may not update a row twice: the newest per key.
  const newest = new Map<string, PromotionRow>();
  for (const row of rows) {
    const key = `${row.source}|${row.externalId}`;
    const held = newest.get(key);
    if (!held || Date.parse(row.sourceUpdatedAt) >= Date.parse(held.sourceUpdatedAt)) newest.set(key, row);
  }
  const { rows: written } = await db.query<{ externalId: string }>(
    `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, kind, "startDay", "endDay", "percentOff", "amountOff",
                              "appliesToAll", "productIds", "variantIds", "collectionIds", "sourceUpdatedAt", "updatedAt")
     SELECT gen_random_uuid(), $1, r.source, r."externalId", r.title, r.kind, r."startDay", r."endDay", r."percentOff", r."amountOff",
            r."appliesToAll", r."productIds", r."variantIds", r."collectionIds", r."sourceUpdatedAt", now()
       FROM jsonb_to_recordset($2::jsonb) AS r(source text, "externalId" text, title text, kind text, "startDay" date, "endDay" date,
            "percentOff" float8, "amountOff" numeric, "appliesToAll" boolean, "productIds" bigint[], "variantIds" bigint[],
            "collectionIds" bigint[], "sourceUpdatedAt" timestamptz)
     ON CONFLICT ("shopId", source, "externalId") DO UPDATE SET
       title = EXCLUDED.title, kind = EXCLUDED.kind, "startDay" = EXCLUDED."startDay", "endDay" = EXCLUDED."endDay",
       "percentOff" = EXCLUDED."percentOff", "amountOff" = EXCLUDED."amountOff", "appliesToAll" = EXCLUDED."appliesToAll",
       "productIds" = EXCLUDED."productIds", "variantIds" = EXCLUDED."variantIds", "collectionIds" = EXCLUDED."collectionIds",
       "sourceUpdatedAt" = EXCLUDED."sourceUpdatedAt", "updatedAt" = now()
     WHERE "Promotion"."sourceUpdatedAt" <= EXCLUDED."sourceUpdatedAt"
     RETURNING "externalId"`,
    [shopId, JSON.stringify([...newest.values()])],
  );
  return new Set(written.map((row) => row.externalId));
}

/** Marks deleted the rows of a source not in `seen` and not written since `since` (a webhook may have added them). */
async function markMissing(db: Queryable, shopId: string, source: PromotionRow["source"], seen: string[], since: Date): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE "Promotion" SET "deletedAt" = now(), "updatedAt" = now()
      WHERE "shopId" = $1 AND source = $2 AND "deletedAt" IS NULL AND "updatedAt" < $4 AND NOT ("externalId" = ANY($3::text[]))`,
    [shopId, source, seen, since],
  );
  return rowCount ?? 0;
}

const idOf = (node: unknown): string | null =>
  typeof node === "object" && node !== null && "id" in node && typeof node.id === "string" ? node.id : null;

/**
 * Reads every discount and marketing activity of the shop and writes them; what we hold that Shopify no longer
 * lists is marked deleted. A source whose scope is missing is skipped and named in `unavailable`.
 */
export async function syncPromotions(ctx: PromotionContext, now: () => Date = () => new Date()): Promise<PromotionSyncResult> {
  const { shop, client } = ctx;
  const result: PromotionSyncResult = { discounts: 0, marketingEvents: 0, removed: 0, unavailable: [], invalid: [] };
  const sources = [
    {
      source: "discount" as const,
      scope: PROMOTION_SCOPES.discount,
      read: async () => {
        const raw = await readAll(client, DISCOUNTS_QUERY, (data) => data.discountNodes);
        const reader = new DiscountReader(client, shop.timezone);
        const rows: PromotionRow[] = [];
        for (const node of raw) {
          const row = await reader.row(node);
          if (row) rows.push(row);
        }
        result.invalid.push(...reader.invalid);
        return { rows, seen: raw.flatMap((node) => (idOf(node) ? [discountExternalId(idOf(node) as string)] : [])) };
      },
    },
    {
      source: "marketing" as const,
      scope: PROMOTION_SCOPES.marketing,
      read: async () => {
        const raw = await readAll(client, MARKETING_EVENTS_QUERY, (data) => data.marketingEvents);
        const readAt = now().toISOString();
        const rows = raw.flatMap((node) => {
          const parsed = MarketingEventRecord.safeParse(node);
          if (parsed.success) return [promotionFromMarketingEvent(parsed.data, shop.timezone, readAt)];
          result.invalid.push(rejection("marketing event", node, parsed.error));
          return [];
        });
        return { rows, seen: raw.flatMap((node) => idOf(node) ?? []) };
      },
    },
  ];
  for (const { source, scope, read } of sources) {
    if (!hasScope(shop.scopes, scope)) {
      result.unavailable.push(scope);
      continue;
    }
    const started = now();
    let outcome: { rows: PromotionRow[]; seen: string[] };
    try {
      outcome = await read();
    } catch (error) {
      if (!accessDenied(error)) throw error;
      result.unavailable.push(scope);
      continue;
    }
    result.removed += await shopTransaction(shop.id, async (tx) => {
      await upsertPromotions(tx, shop.id, outcome.rows);
      return markMissing(tx, shop.id, source, outcome.seen, started);
    });
    if (source === "discount") result.discounts = outcome.rows.length;
    else result.marketingEvents = outcome.rows.length;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Webhooks

/** A stored discount webhook waiting to be applied. */
export interface DiscountEvent {
  id: string;
  topic: string;
  payload: unknown;
}

/** What became of an event (webhooks.server.ts records it like the other topics' outcomes). */
export interface DiscountEventOutcome {
  status: "processed" | "skipped" | "failed";
  detail?: string;
}

/** The shop's due discount webhooks, in receipt order. */
export async function pendingDiscountEvents(db: Queryable, shopId: string, limit: number): Promise<DiscountEvent[]> {
  const { rows } = await db.query<DiscountEvent>(
    `SELECT id::text, topic, payload FROM "WebhookEvent"
      WHERE "shopId" = $1 AND topic LIKE 'discounts/%' AND status IN ('received', 'failed') AND ("retryAt" IS NULL OR "retryAt" <= now())
      ORDER BY id LIMIT $2`,
    [shopId, limit],
  );
  return rows;
}

/** The offline token's Admin client of a shop, with its circuit breaker (as the sync jobs use). */
export async function shopAdminClient(shop: Shop): Promise<AdminClient> {
  const { unauthenticated } = await import("../shopify.server");
  const { session } = await unauthenticated.admin(shop.domain);
  if (!session.accessToken) throw new Error(`no offline token for ${shop.domain}`);
  return createAdminClient({ transport: fetchTransport(shop.domain, session.accessToken), breaker: postgresCircuit(pool(), shop.id) });
}

/**
 * Applies discount webhooks: each named discount is read back by id (once for all its events), outside any
 * transaction; then one transaction writes the rows and, through `record`, the events' outcomes. A discount Shopify
 * no longer has (deleted, or the event is a delete) gets `deletedAt`. A read that fails fails its events only (they are
 * tried again with back-off).
 */
export async function applyDiscountEvents(
  shop: Shop,
  events: DiscountEvent[],
  clientFor: (shop: Shop) => Promise<AdminClient>,
  record: (tx: Queryable, outcomes: Map<string, DiscountEventOutcome>) => Promise<void>,
): Promise<void> {
  const outcomes = new Map<string, DiscountEventOutcome>();
  const parsed = new Map<string, { externalId: string; gid: string; deleted: boolean; at: string | null }>();
  for (const event of events) {
    const payload = DiscountPayload.safeParse(event.payload);
    if (!payload.success) outcomes.set(event.id, { status: "failed", detail: rejection("discount webhook", event.payload, payload.error) });
    else if (!hasScope(shop.scopes, PROMOTION_SCOPES.discount))
      outcomes.set(event.id, { status: "skipped", detail: `${PROMOTION_SCOPES.discount} not granted` });
    else
      parsed.set(event.id, {
        externalId: discountExternalId(payload.data.admin_graphql_api_id),
        gid: payload.data.admin_graphql_api_id,
        deleted: event.topic === "discounts/delete",
        at: payload.data.deleted_at ?? payload.data.updated_at ?? null,
      });
  }
  // Read each discount that a create or update names, once.
  const read = new Map<string, PromotionRow | null | Error>();
  const wanted = [...new Map([...parsed.values()].filter((e) => !e.deleted).map((e) => [e.externalId, e.gid]))];
  if (wanted.length > 0) {
    let client: AdminClient | Error;
    try {
      client = await clientFor(shop);
    } catch (error) {
      client = error instanceof Error ? error : new Error(String(error));
    }
    const reader = client instanceof Error ? null : new DiscountReader(client, shop.timezone);
    for (const [externalId, gid] of wanted) {
      if (!reader || client instanceof Error) {
        read.set(externalId, client instanceof Error ? client : new Error("no client"));
        continue;
      }
      try {
        const data = await client.request<{ discountNode: unknown }>(DISCOUNT_NODE_QUERY, { id: gid });
        const row = data.discountNode === null ? null : await reader.row(data.discountNode);
        read.set(externalId, row ?? (data.discountNode === null ? null : new Error(reader.invalid.at(-1) ?? "refused")));
      } catch (error) {
        read.set(externalId, error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
  await shopTransaction(shop.id, async (tx) => {
    const rows = [...read.values()].filter((row): row is PromotionRow => row !== null && !(row instanceof Error));
    const written = await upsertPromotions(tx, shop.id, rows);
    const gone = [...parsed.values()].filter((e) => e.deleted || read.get(e.externalId) === null).map((e) => e.externalId);
    const { rows: deleted } = await tx.query<{ externalId: string }>(
      `UPDATE "Promotion" SET "deletedAt" = coalesce("deletedAt", now()), "updatedAt" = now()
        WHERE "shopId" = $1 AND source = 'discount' AND "externalId" = ANY($2::text[]) RETURNING "externalId"`,
      [shop.id, [...new Set(gone)]],
    );
    const held = new Set(deleted.map((row) => row.externalId));
    for (const [id, event] of parsed) {
      const answer = read.get(event.externalId);
      if (answer instanceof Error) outcomes.set(id, { status: "failed", detail: answer.message });
      else if (event.deleted || answer === null)
        outcomes.set(
          id,
          held.has(event.externalId) ? { status: "processed", detail: "deleted" } : { status: "skipped", detail: "discount not held" },
        );
      else if (answer && written.has(event.externalId)) outcomes.set(id, { status: "processed" });
      else outcomes.set(id, { status: "skipped", detail: "older than stored promotion" });
    }
    await record(tx, outcomes);
  });
}
