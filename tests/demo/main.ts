/**
 * `npm run demo`: embedded PostgreSQL, the local Shopify with the seeded demo store, the local Resend
 * with its inbox, Fluxor and its worker; installs Fluxor into the demo store as a merchant would, then
 * prints the URL to open and the inbox's.
 * Options: --port N (base port, default 4100; the demo uses N..N+6), --fresh-database, --seed N,
 * --simulate N (live store activity, events per second), --store full|small, --stores N (N demo stores, each with
 * Fluxor installed: cross-tenant checks by hand), --quiet.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { DatabaseStartError } from "../../app/db/postgres.server";
import { DEMO_OPERATOR, MAX_DEMO_STORES, STRIPE_DEMO_SHOP, startStack } from "./stack";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4100" },
    "fresh-database": { type: "boolean", default: false },
    seed: { type: "string", default: "42" },
    simulate: { type: "string", default: "0" },
    quiet: { type: "boolean", default: false },
    /** "full": the whole demo store (1 064 products, 24 months); "small": 300 products × 12 months, for the browser tests. */
    store: { type: "string", default: "full" },
    /** How many demo stores: the demo store, then second-store, third-store, …; Fluxor is installed into each. */
    stores: { type: "string", default: "1" },
  },
});
if (values.store !== "full" && values.store !== "small") throw new Error(`--store must be "full" or "small", not ${values.store}`);
const storeCount = Number(values.stores);
if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > MAX_DEMO_STORES)
  throw new Error(`--stores must be a whole number from 1 to ${MAX_DEMO_STORES}, not ${values.stores}`);

const started = Date.now();
const root = path.resolve(import.meta.dirname, "..", "..");
if (!existsSync(path.join(root, "build", "index.js")) || process.env.FLUXOR_DEMO_REBUILD === "1") {
  console.log("Building the app (first run)…");
  const build = spawnSync("npx", ["remix", "build"], { cwd: root, stdio: values.quiet ? "ignore" : "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const stack = await startStack({
  port: Number(values.port),
  freshDatabase: values["fresh-database"],
  seed: Number(values.seed),
  simulate: Number(values.simulate),
  stores: storeCount,
  scale: values.store === "small" ? { products: 300, days: 365 } : "full",
  log: values.quiet ? () => {} : (line) => console.log(line),
}).catch((error: unknown) => {
  // A database that cannot start says why in one line (DatabaseStartError); anything else keeps its stack.
  console.error(error instanceof DatabaseStartError ? error.message : error);
  process.exit(1);
});

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping the demo…");
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

for (const shop of stack.shops) await stack.install(shop);
await stack.install(STRIPE_DEMO_SHOP);
// One store: its URL alone, as always; several: each store's admin, named.
const open =
  stack.shops.length === 1
    ? `  ${stack.adminUrl}`
    : stack.shops.map((shop) => `  ${stack.standIn.store(shop).info().name}: ${stack.standIn.adminUrl(shop)}`).join("\n");
console.log(
  `\nFluxor demo ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Open:\n\n${open}\n\n` +
    `A direct contract (billed through Stripe): ${stack.standIn.adminUrl(STRIPE_DEMO_SHOP)}\n` +
    `Inbox: ${stack.inboxUrl}\nOps: ${stack.opsUrl} (user ${DEMO_OPERATOR.user}, password ${DEMO_OPERATOR.password})\n` +
    `Database: ${process.env.DATABASE_URL ?? "?"}\n\n(Ctrl-C stops everything.)`,
);
