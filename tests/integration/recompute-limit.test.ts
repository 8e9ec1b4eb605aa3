/**
 * The daily recompute allowance (issue 16 item 11): a recompute the queue did not start within its budget (backlog,
 * worker down) gives its place in the shop's 100 back, whether the worker, the status route or the next request
 * finds it expired; one that started counts whatever its outcome; two requests at once near the limit never both
 * pass. Through the API routes (real session tokens) and the job's own function, against real PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type * as Recompute from "../../app/forecasts/recompute.server";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";
import { sessionToken } from "../support/session-token";
import { runNightlyForecasts, storeOfflineSessions } from "../support/installed-shops";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let A: SeededShop;
let recompute: typeof Recompute;
let post: Handler;
let status: Handler;
let closePools: () => Promise<void>;

interface StatusView {
  status: string;
  started: boolean;
  error: string | null;
}

/** POST /api/variants/:variantId/recompute: the HTTP status, and the recompute's id and the places left when queued. */
async function request(variantId = A.variantIds[0]!): Promise<{ code: number; id?: string; remainingToday?: number }> {
  const response = await post({
    request: new Request(`https://fluxor.test/api/variants/${variantId}/recompute`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sessionToken(A.domain)}` },
    }),
    params: { variantId },
    context: {},
  });
  const body = (await response.json()) as { id?: string; remainingToday?: number };
  return { code: response.status, id: body.id, remainingToday: body.remainingToday };
}

async function view(id: string): Promise<StatusView> {
  const response = await status({
    request: new Request(`https://fluxor.test/api/recomputes/${id}`, { headers: { Authorization: `Bearer ${sessionToken(A.domain)}` } }),
    params: { id },
    context: {},
  });
  expect(response.status).toBe(200);
  return (await response.json()) as StatusView;
}

/** `n` recomputes of today in `state` (default: completed), `ageSeconds` old. */
async function seedRecomputes(n: number, state = "completed", ageSeconds = 0): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "ForecastRecompute" (id, "shopId", "variantId", status, "requestId", "createdAt")
     SELECT gen_random_uuid(), $1, $2, $3, 'seed', now() - make_interval(secs => $4) FROM generate_series(1, $5) RETURNING id`,
    [A.shopId, A.variantIds[0], state, ageSeconds, n],
  );
  return rows.map((row) => row.id);
}

/** Moves a recompute's request back in time: as if it had waited `seconds` in the queue. */
async function age(id: string, seconds: number): Promise<void> {
  await sql(db.url, `UPDATE "ForecastRecompute" SET "createdAt" = now() - make_interval(secs => $2) WHERE id = $1`, [id, seconds]);
}

const stored = async (id: string) =>
  (await sql<{ status: string }>(db.url, `SELECT status FROM "ForecastRecompute" WHERE id = $1`, [id]))[0]!.status;

/** Past the budget: the queue can no longer start it. */
let PAST_BUDGET: number;

beforeAll(async () => {
  // The API routes log a JSON line per answer: not this test's subject.
  vi.spyOn(console, "log").mockImplementation(() => {});
  db = await createTestDatabase();
  A = await seedShop(db.url, { domain: "recompute-limit.myshopify.com", products: 3, variantsPerProduct: 2, days: 120, seed: 5 });
  await storeOfflineSessions(db.url, [A.domain]);
  await runNightlyForecasts(db.url);
  recompute = await import("../../app/forecasts/recompute.server");
  PAST_BUDGET = recompute.RECOMPUTE_TIMEOUT_MS / 1000 + 5;
  post = ((await import("../../app/routes/api.variants.$variantId.recompute")) as unknown as { action: Handler }).action;
  status = ((await import("../../app/routes/api.recomputes.$id")) as unknown as { loader: Handler }).loader;
  const pool = await import("../../app/db/pool.server");
  const { disconnectPrisma } = await import("../../app/db/prisma.server");
  closePools = async () => {
    await pool.closePool();
    await disconnectPrisma();
  };
});
afterAll(async () => {
  vi.restoreAllMocks();
  await closePools();
  await db.drop();
});

/** Keeps a test's recomputes, backdated up to 70 s, on one UTC day: near midnight, waits until it is well past. */
async function awayFromUtcMidnight(): Promise<void> {
  const day = 86_400_000;
  const margin = 100_000;
  const sinceMidnight = Date.now() % day;
  const wait = sinceMidnight < margin ? margin - sinceMidnight : sinceMidnight > day - margin ? day - sinceMidnight + margin : 0;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

beforeEach(async () => {
  await awayFromUtcMidnight();
  await sql(db.url, `DELETE FROM "ForecastRecompute" WHERE "shopId" = $1`, [A.shopId]);
});

describe("a recompute that expired before it started does not count", () => {
  it("the worker finds it past its budget: it expires, its place is given back, once", async () => {
    await seedRecomputes(99);
    const last = await request();
    expect(last).toMatchObject({ code: 202, remainingToday: 0 });
    expect((await request()).code).toBe(429);

    await age(last.id!, PAST_BUDGET);
    expect(await recompute.runRecompute(last.id!)).toBe("expired");
    expect(await view(last.id!)).toMatchObject({ status: "timed_out", started: false, error: "not started within its time budget" });

    const again = await request();
    expect(again).toMatchObject({ code: 202, remainingToday: 0 });
    // Running the expired job again changes nothing, and gives nothing back twice.
    expect(await recompute.runRecompute(last.id!)).toBeNull();
    expect((await request()).code).toBe(429);
  });

  it("with the worker down, the next request expires it (nobody polled), or the status route does", async () => {
    await seedRecomputes(99);
    const stale = await request();
    expect(stale.code).toBe(202);
    await age(stale.id!, PAST_BUDGET);
    const next = await request();
    expect(next).toMatchObject({ code: 202, remainingToday: 0 });
    expect(await stored(stale.id!)).toBe("expired");
    expect(await view(stale.id!)).toMatchObject({ status: "timed_out", started: false });

    await age(next.id!, PAST_BUDGET);
    expect(await view(next.id!)).toMatchObject({ status: "timed_out", started: false });
    expect((await request()).code).toBe(202);
    expect((await request()).code).toBe(429);
    // The worker reaching an expired job later does not run it.
    expect(await recompute.runRecompute(next.id!)).toBeNull();
  });

  it("a queued one within its budget still counts, and the worker runs it", async () => {
    await seedRecomputes(99);
    const fresh = await request();
    expect(fresh.code).toBe(202);
    expect((await request()).code).toBe(429);
    expect(await recompute.runRecompute(fresh.id!)).toBe("completed");
    expect(await view(fresh.id!)).toMatchObject({ status: "completed", started: true });
    expect((await request()).code).toBe(429);
  });
});

describe("a recompute that started counts, whatever its outcome", () => {
  it("completed, failed, timed out while running, or started and never heard of again", async () => {
    await seedRecomputes(96);
    await seedRecomputes(1, "failed");
    await seedRecomputes(1, "timed_out", PAST_BUDGET);
    // Started (the worker claimed it), then the worker died: long past its budget the status route calls it timed out.
    const [lost] = await seedRecomputes(1, "running", 2 * PAST_BUDGET);
    // Started and still running past its budget: the request path never expires it.
    const [slow] = await seedRecomputes(1, "running", PAST_BUDGET);
    expect((await request()).code).toBe(429);
    expect(await stored(slow!)).toBe("running");
    expect(await view(slow!)).toMatchObject({ status: "queued", started: true });
    expect(await view(lost!)).toMatchObject({ status: "timed_out", started: true, error: "did not finish within its time budget" });
    expect((await request()).code).toBe(429);
    // The worker never runs a recompute twice.
    expect(await recompute.runRecompute(slow!)).toBeNull();
    expect(await recompute.runRecompute(lost!)).toBeNull();
  });
});

describe("two requests at once near the limit", () => {
  it("one place left: exactly one passes", async () => {
    await seedRecomputes(99);
    const answers = await Promise.all([request(A.variantIds[0]), request(A.variantIds[1])]);
    expect(answers.map((a) => a.code).sort()).toEqual([202, 429]);
    const today = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "ForecastRecompute" WHERE "shopId" = $1`, [A.shopId]);
    expect(today[0]!.n).toBe(100);
  });

  it("one place freed by an expired recompute: exactly one passes, and it expires once", async () => {
    await seedRecomputes(98);
    const [stale] = await seedRecomputes(1, "queued", PAST_BUDGET);
    const answers = await Promise.all([request(A.variantIds[0]), request(A.variantIds[1]), request(A.variantIds[2])]);
    expect(answers.map((a) => a.code).sort()).toEqual([202, 202, 429]);
    expect(await stored(stale!)).toBe("expired");
    const counts = await sql<{ status: string; n: number }>(
      db.url,
      `SELECT status, count(*)::int AS n FROM "ForecastRecompute" WHERE "shopId" = $1 GROUP BY status ORDER BY status`,
      [A.shopId],
    );
    expect(counts).toEqual([
      { status: "completed", n: 98 },
      { status: "expired", n: 1 },
      { status: "queued", n: 2 },
    ]);
  });

  it("the worker and the status route reaching the same recompute at once: one outcome", async () => {
    const [id] = await seedRecomputes(1, "queued", PAST_BUDGET);
    const [ran, seen] = await Promise.all([recompute.runRecompute(id!), view(id!)]);
    expect(seen).toMatchObject({ status: "timed_out", started: false });
    expect(["expired", null]).toContain(ran);
    expect(await stored(id!)).toBe("expired");
  });
});
