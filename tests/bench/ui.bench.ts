/**
 * npm run bench:ui [-- --products 10000 --variants 5 --days 120 --requests 200]
 *
 * The loaders of the overview (`app._index`) and variants (`app.variants._index`) pages at 50 000
 * variants. A shop is seeded in SQL (tests/support/forecast-seed.ts), forecast by a real nightly run
 * (the worker in this process), then Fluxor's production server runs in its own process and answers
 * Remix data requests authenticated with an admin session token, as the embedded app sends them.
 * Prints p50/p95/max per request mix. Figures only; nothing is asserted.
 */
import { spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import pg from "pg";
import { freePort } from "../support/ports";
import { seedShop } from "../support/forecast-seed";

const { values } = parseArgs({
  options: {
    products: { type: "string", default: "10000" },
    variants: { type: "string", default: "5" },
    days: { type: "string", default: "120" },
    requests: { type: "string", default: "200" },
  },
});
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SHOP = "bench-ui.myshopify.com";
const REQUESTS = Number(values.requests);

if (!existsSync(path.join(ROOT, "build", "index.js"))) execFileSync("npx", ["remix", "build"], { cwd: ROOT, stdio: "inherit" });
const tempDir = mkdtempSync(path.join(os.tmpdir(), "fluxor-bench-ui-"));
chmodSync(tempDir, 0o755);
process.env.FLUXOR_EMBEDDED_PG_DIR = path.join(tempDir, "data");
process.env.FLUXOR_EMBEDDED_PG_PORT = String(await freePort());
process.env.SHOPIFY_API_KEY = "bench-client-id";
process.env.SHOPIFY_API_SECRET = "bench-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "http://127.0.0.1";
process.env.SCOPES = "read_products,read_orders,read_all_orders,read_inventory,read_locations";
process.env.FLUXOR_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;

const { bootDatabase } = await import("../../app/db/boot.server");
const database = await bootDatabase();
let server: ReturnType<typeof spawn> | undefined;
try {
  const seeded = performance.now();
  const shop = await seedShop(database.url, {
    domain: SHOP,
    products: Number(values.products),
    variantsPerProduct: Number(values.variants),
    days: Number(values.days),
    seed: 7,
  });
  console.log(`seeded ${shop.variantIds.length} variants × ${values.days} days in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  // A stored offline session, as the install leaves it (the token is encrypted by the app's storage).
  const { Session } = await import("@shopify/shopify-api");
  const shopify = (await import("../../app/shopify.server")).default;
  await shopify.sessionStorage.storeSession(
    new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: "shpat_bench", scope: process.env.SCOPES }),
  );

  // A real forecast run, by the worker.
  const forecastStarted = performance.now();
  const { requestForecastRun } = await import("../../app/forecasts/run.server");
  const { startJobWorker } = await import("../../app/server/jobs.server");
  const worker = await startJobWorker({ connectionString: database.url, concurrency: 2 });
  await requestForecastRun(shop.shopId, "manual");
  const db = new pg.Pool({ connectionString: database.url, max: 1 });
  for (;;) {
    const { rows } = await db.query<{ status: string }>(
      `SELECT status FROM "ForecastRun" WHERE "shopId" = $1 ORDER BY "startedAt" DESC LIMIT 1`,
      [shop.shopId],
    );
    if (rows[0]?.status === "completed") break;
    if (rows[0]?.status === "failed") throw new Error("the forecast run failed");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await worker.stop();
  const advice = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "VariantAdvice" WHERE "shopId" = $1 AND "locationId" = 0`, [
    shop.shopId,
  ]);
  console.log(`forecast run: ${advice.rows[0]?.n} variants advised in ${((performance.now() - forecastStarted) / 1000).toFixed(1)} s`);
  await db.end();

  const port = await freePort();
  server = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "app", "server", "main.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: "127.0.0.1", FLUXOR_WORKER: "", NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (
    let tries = 0;
    !(await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    ));
    tries++
  ) {
    if (tries > 600) throw new Error("Fluxor did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const sessionToken = () => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const body = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({
      iss: `https://${SHOP}/admin`,
      dest: `https://${SHOP}`,
      aud: process.env.SHOPIFY_API_KEY,
      sub: "1",
      exp: now + 60,
      nbf: now - 5,
      iat: now,
      jti: randomUUID(),
      sid: randomUUID(),
    })}`;
    return `${body}.${createHmac("sha256", process.env.SHOPIFY_API_SECRET ?? "")
      .update(body)
      .digest("base64url")}`;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (pathAndQuery: string) =>
    new Promise<{ status: number; ms: number; bytes: number }>((resolve, reject) => {
      const started = performance.now();
      const request = http.get(`${base}${pathAndQuery}`, { agent, headers: { Authorization: `Bearer ${sessionToken()}` } }, (response) => {
        let bytes = 0;
        response.on("data", (chunk: Buffer) => (bytes += chunk.length));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, bytes }));
      });
      request.on("error", reject);
    });

  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
  const variantQueries = [
    "",
    "risk=stockout",
    "risk=stockout,reorder&sort=stockoutDate",
    "sort=daysOfCover&direction=desc",
    "q=lantern",
    "vendor=Vendor%203&abc=A",
    "productType=Type%202&sort=reorderQty&direction=desc",
    "sort=title&page=40",
    "location=1002&risk=reorder",
    "sort=stockValue&direction=desc&page=3",
  ];
  const mixes: { name: string; path: (i: number) => string }[] = [
    { name: "overview (app._index)", path: () => `/app?shop=${SHOP}&_data=routes%2Fapp._index` },
    {
      name: "variants (app.variants._index), 10 filter/sort/search/page mixes",
      path: (i) => `/app/variants?shop=${SHOP}&${pick(variantQueries, i)}&_data=routes%2Fapp.variants._index`,
    },
  ];
  for (const mix of mixes) {
    for (let i = 0; i < 10; i++) await get(mix.path(i)); // warm-up
    const times: number[] = [];
    const statuses = new Map<number, number>();
    let bytes = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const result = await get(mix.path(i));
      times.push(result.ms);
      bytes += result.bytes;
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(1);
    console.log(
      `${mix.name}: ${REQUESTS} requests, p50 ${at(50)} ms, p95 ${at(95)} ms, max ${times.at(-1)!.toFixed(1)} ms; ` +
        `statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}; ${Math.round(bytes / REQUESTS / 1024)} KiB per answer`,
    );
  }
} finally {
  if (server) {
    server.kill("SIGTERM");
    await new Promise((resolve) => (server!.exitCode !== null ? resolve(null) : server!.once("exit", resolve)));
  }
  const { closePool } = await import("../../app/db/pool.server");
  await closePool();
  await database.stop();
  rmSync(tempDir, { recursive: true, force: true });
}
