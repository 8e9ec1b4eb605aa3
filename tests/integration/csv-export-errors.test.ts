/**
 * CSV exports fail visibly (issue 16 item 4). `/app/variants.csv?q=a%00b` used to answer 200 with the header line and
 * then reset the connection: the merchant got a partial file and no error. Now, through the real routes against
 * real PostgreSQL:
 * - every export's parameters are validated before anything is streamed: 400 with a sentence naming them;
 * - a query that fails before its first batch answers 500 (nothing sent); one that fails mid-stream ends the file
 *   with a localised "export incomplete" row and aborts the response, which a client sees as a failed download;
 * - the export's connection goes back to the pool outside its transaction either way.
 * The database fault is real: `VariantAdvice` is swapped, for the fault tests only, for a view whose `sku` column
 * raises after a set number of rows (a volatile function, evaluated as the cursor returns rows).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeBody } from "../../app/server/remix-handler.server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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

const PAST_BIGINT = "9223372036854775808";
/** The rows the variants export fetches at a time (app/forecasts/read.server.ts). */
const BATCH = 1000;

type Args = { request: Request; params: Record<string, string>; context: Record<string, unknown> };
type Loader = (args: Args) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let A: SeededShop;
let routes: Record<"variants" | "analytics" | "usage" | "invoices" | "revenue", Loader>;
let operatorCookie: string;
let closePools: () => Promise<void>;

function request(path: string, headers: Record<string, string>, method: string): Request {
  return new Request(`https://fluxor.test${path}`, { method, headers: { Authorization: `Bearer ${sessionToken(A.domain)}`, ...headers } });
}

async function call(loader: Loader, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Response> {
  try {
    return await loader({ request: request(path, headers, method), params: {}, context: { clientIp: "192.0.2.1" } });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** A response's body to its end or its error: the text received and the error, if it failed. */
async function drain(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, error: null };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** Connections of the app's pool left inside a transaction (an export that did not roll back). */
async function idleInTransaction(): Promise<number> {
  const rows = await sql<{ n: number }>(
    db.url,
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
  );
  return rows[0]!.n;
}

/** Connections of the app's pool in use (not idle in the pool). */
async function busyConnections(): Promise<number> {
  const { pool } = await import("../../app/db/pool.server");
  return pool().totalCount - pool().idleCount;
}

/**
 * Swaps `VariantAdvice` for a view of `copies` copies of its rows whose `sku` raises once `failAfter` rows were read,
 * for the duration of `work`. The rows are counted in a transaction-local setting (the export's transaction is read
 * only, so no sequence). The function is declared STABLE, though it counts, so that PostgreSQL merges the view into
 * the query; being a PL/pgSQL function it is costly, and in a cursor PostgreSQL then evaluates it after the sort, as
 * each FETCH returns rows: the fault strikes in the FETCH that reaches row `failAfter + 1`.
 */
async function withFaultyAdvice<T>(copies: number, failAfter: number, work: () => Promise<T>): Promise<T> {
  const columns = await sql<{ list: string }>(
    db.url,
    `SELECT string_agg(CASE column_name WHEN 'sku' THEN 'csv_fault(s.sku) AS sku' ELSE 's.' || quote_ident(column_name) END, ', '
                       ORDER BY ordinal_position) AS list
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'VariantAdvice'`,
  );
  await sql(
    db.url,
    `BEGIN;
     ALTER TABLE "VariantAdvice" RENAME TO "VariantAdviceStored";
     CREATE FUNCTION csv_fault(v text) RETURNS text LANGUAGE plpgsql STABLE AS $$
       DECLARE
         n int := coalesce(nullif(current_setting('csv_fault.rows', true), ''), '0')::int + 1;
       BEGIN
         PERFORM set_config('csv_fault.rows', n::text, true);
         IF n > ${failAfter} THEN RAISE EXCEPTION 'injected fault after ${failAfter} rows'; END IF;
         RETURN v;
       END $$;
     CREATE VIEW "VariantAdvice" AS SELECT ${columns[0]!.list} FROM "VariantAdviceStored" s CROSS JOIN generate_series(1, ${copies});
     COMMIT;`,
  );
  try {
    return await work();
  } finally {
    await sql(
      db.url,
      `BEGIN;
       DROP VIEW "VariantAdvice"; DROP FUNCTION csv_fault(text);
       ALTER TABLE "VariantAdviceStored" RENAME TO "VariantAdvice";
       COMMIT;`,
    );
  }
}

/** Copies of the seeded list that make an export of more than `rows` rows. */
async function copiesFor(rows: number): Promise<number> {
  const perCopy = await sql<{ n: number }>(
    db.url,
    `SELECT count(*)::int AS n FROM "VariantAdvice" a JOIN "ShopForecastState" s ON s."currentRunId" = a."runId"
      WHERE a."shopId" = $1 AND a."locationId" = 0`,
    [A.shopId],
  );
  return Math.ceil((rows + 1) / perCopy[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await seedShop(db.url, { domain: "csv-errors.myshopify.com", products: 4, variantsPerProduct: 2, days: 120, seed: 11 });
  await storeOfflineSessions(db.url, [A.domain]);
  await runNightlyForecasts(db.url);

  // An operator of the console, signed in (decision 0046), for the revenue export.
  const { hashPassword } = await import("../../app/ops/password.server");
  process.env.FLUXOR_OPS_USERS = `operator:${await hashPassword("csv-export-operator", { logN: 10, r: 8, p: 1 })}`;
  process.env.FLUXOR_OPS_SESSION_SECRET = randomBytes(32).toString("base64url");
  const { opsConfig } = await import("../../app/ops/config.server");
  const session = await import("../../app/ops/session.server");
  operatorCookie = `${session.cookieNames(true).session}=${session.signSession(opsConfig()!, "operator").value}`;

  const load = async (module: Promise<unknown>) => ((await module) as { loader: Loader }).loader;
  routes = {
    variants: await load(import("../../app/routes/app.variants[.csv]")),
    analytics: await load(import("../../app/routes/app.alerts.analytics[.csv]")),
    usage: await load(import("../../app/routes/app.billing[.csv]")),
    invoices: await load(import("../../app/routes/app.billing.invoices[.csv]")),
    revenue: await load(import("../../app/routes/ops.revenue[.csv]")),
  };
  const pool = await import("../../app/db/pool.server");
  const { disconnectPrisma } = await import("../../app/db/prisma.server");
  closePools = async () => {
    await pool.closePool();
    await disconnectPrisma();
  };
});
afterAll(async () => {
  await closePools();
  await db.drop();
});

describe("an export's parameters are validated before anything is streamed", () => {
  it("the variants export answers 400 naming a NUL in the search, a bad filter or an id past bigint; the page would drop them", async () => {
    for (const [query, param] of [
      ["q=a%00b", "q"],
      ["vendor=Acme%00", "vendor"],
      ["productType=%00", "productType"],
      ["risk=everything", "risk"],
      [`location=${PAST_BIGINT}`, "location"],
      ["sort=price", "sort"],
    ] as const) {
      const response = await call(routes.variants, `/app/variants.csv?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(response.headers.get("Content-Disposition")).toBeNull();
      const body = (await response.json()) as { error: string; message: string; issues: { param: string }[] };
      expect(body.error).toBe("invalid_parameters");
      expect(body.issues.map((issue) => issue.param)).toEqual([param]);
      expect(body.message).toContain(param);
    }
    const french = await call(routes.variants, "/app/variants.csv?q=a%00b", { "Accept-Language": "fr-FR" });
    expect(((await french.json()) as { message: string }).message).toMatch(/^Cet export ne peut pas être fait/);
  });

  it("the alert log and the revenue recognition exports answer 400 for a period they do not offer", async () => {
    for (const period of ["31", "7%00", "-1"]) {
      const response = await call(routes.analytics, `/app/alerts/analytics.csv?period=${period}`);
      expect(response.status, period).toBe(400);
      expect(((await response.json()) as { issues: { param: string }[] }).issues[0]!.param).toBe("period");
    }
    const revenue = await call(routes.revenue, "/ops/revenue.csv?months=13", { Cookie: operatorCookie });
    expect(revenue.status).toBe(400);
    expect(revenue.headers.get("X-Frame-Options")).toBe("DENY");
    expect(((await revenue.json()) as { issues: { param: string }[] }).issues[0]!.param).toBe("months");
    // Refused before the export is audited as one.
    expect(await sql(db.url, `SELECT 1 FROM "AuditLog" WHERE event = 'ops_export'`)).toHaveLength(0);
  });

  it("valid parameters still export, every export, with the filters applied", async () => {
    const all = await call(routes.variants, "/app/variants.csv");
    expect(all.status).toBe(200);
    const lines = (await all.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^variantId,productId,/);
    expect(lines.length).toBeGreaterThan(1);
    const none = await call(routes.variants, "/app/variants.csv?q=no-such-product-anywhere&page=3");
    expect((await none.text()).trim().split("\r\n")).toHaveLength(1);
    for (const [loader, path, extra] of [
      [routes.analytics, "/app/alerts/analytics.csv?period=90", {}],
      [routes.analytics, "/app/alerts/analytics.csv", {}],
      [routes.usage, "/app/billing.csv", {}],
      [routes.invoices, "/app/billing/invoices.csv", {}],
      [routes.revenue, "/ops/revenue.csv?months=24", { Cookie: operatorCookie }],
    ] as const) {
      const response = await call(loader, path, extra);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Content-Type"), path).toBe("text/csv; charset=utf-8");
      expect((await drain(response)).error, path).toBeNull();
    }
  });
});

describe("an export's connection", () => {
  it("is held from the first batch while the download runs, and released, rolled back, when the download is cancelled", async () => {
    const response = await call(routes.variants, "/app/variants.csv");
    expect(response.status).toBe(200);
    // The first batch was fetched before the answer: its cursor's transaction is open.
    expect(await busyConnections()).toBe(1);
    await response.body!.cancel();
    expect(await busyConnections()).toBe(0);
    expect(await idleInTransaction()).toBe(0);
  });

  it("is not taken at all by a HEAD request, whose body Remix drops unread", async () => {
    const response = await call(routes.variants, "/app/variants.csv", {}, "HEAD");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.body).toBeNull();
    expect(await busyConnections()).toBe(0);
    // Its parameters are validated all the same.
    expect((await call(routes.variants, "/app/variants.csv?q=%00", {}, "HEAD")).status).toBe(400);
  });
});

describe("a query that fails is never a 200 that looks complete", () => {
  it("fails before its first batch: 500 with a sentence in the merchant's language, no file", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await withFaultyAdvice(1, 0, () => call(routes.variants, "/app/variants.csv", { "Accept-Language": "es" }));
    const logged = spy.mock.calls.map((args) => String(args[0]));
    spy.mockRestore();
    expect(response.status).toBe(500);
    expect(response.headers.get("Content-Disposition")).toBeNull();
    expect(await response.json()).toEqual({ error: "export_failed", message: expect.stringMatching(/^La exportación falló/) });
    expect(logged).toEqual([expect.stringContaining("before its first line")]);
    expect(await idleInTransaction()).toBe(0);
  });

  it("fails mid-stream: the rows sent, then the 'export incomplete' row, then the download errors", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const copies = await copiesFor(BATCH + 500);
    const { status, text, error } = await withFaultyAdvice(copies, BATCH + 200, async () => {
      const response = await call(routes.variants, "/app/variants.csv", { "Accept-Language": "fr" });
      return { status: response.status, ...(await drain(response)) };
    });
    const logged = spy.mock.calls.map((args) => String(args[0]));
    spy.mockRestore();
    expect(status).toBe(200);
    expect(error).toBeInstanceOf(Error);
    const lines = text.split("\r\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toMatch(/^variantId,/);
    // The first batch whole, then the last line says the file is cut short (the second batch failed as a whole).
    expect(lines).toHaveLength(1 + BATCH + 1);
    expect(lines.at(-1)).toMatch(/^EXPORT INCOMPLET : une erreur a interrompu l’export ici\./);
    expect(logged).toEqual([expect.stringContaining("mid-stream")]);
    // The cursor's transaction was rolled back before its connection went back to the pool.
    expect(await idleInTransaction()).toBe(0);
    const after = await call(routes.variants, "/app/variants.csv");
    expect((await drain(after)).error).toBeNull();
  });

  it("over HTTP, sent as Fluxor's edge sends it, the download fails after the 'export incomplete' row: what the embedded page fetches is never saved", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    // What app/server/remix-handler.server.ts does with a loader's Response.
    const server: Server = createServer((req, res) => {
      void (async () => {
        const response = await call(routes.variants, req.url ?? "/");
        res.statusCode = response.status;
        for (const [name, value] of response.headers) res.setHeader(name, value);
        if (response.body) await writeBody(res, response.body);
        else res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/variants.csv`;
    // As app/dashboard/download.ts reads it before saving: a body that does not arrive whole rejects.
    const download = () =>
      fetch(url).then(
        (response) =>
          response.blob().then(
            () => "saved",
            () => "failed",
          ),
        () => "failed",
      );
    // What a client that keeps the bytes anyway (curl, a script) has: everything written, the last row included.
    const received = async () => {
      const response = await fetch(url);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        const chunk = await reader.read().catch(() => null);
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    };
    try {
      expect(await download()).toBe("saved");
      const copies = await copiesFor(BATCH + 500);
      expect(await withFaultyAdvice(copies, BATCH + 200, download)).toBe("failed");
      const text = await withFaultyAdvice(copies, BATCH + 200, received);
      expect(text.trimEnd().split("\r\n").at(-1)).toMatch(/^EXPORT INCOMPLET/);
    } finally {
      spy.mockRestore();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
