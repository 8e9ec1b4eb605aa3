/**
 * Starts Fluxor in this process: database, HTTP server (Express + the Remix build) and, optionally,
 * the Graphile Worker. Used by `npm start`, `npm run demo` and the integration tests; `close()` stops
 * them in the safe order (stop taking requests, finish jobs, then the database).
 */
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { Runner } from "graphile-worker";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bootDatabase } from "../db/boot.server";
import { limitRequestBodies, remixHandler } from "./remix-handler.server";
import { clientIpOf, trustProxyFrom, type TrustProxy } from "./trust-proxy";
import { webhookDispatcher } from "./webhook-dispatch.server";

const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");
const BUILD_PATH = path.join(PROJECT_ROOT, "build", "index.js");

export interface FluxorOptions {
  port?: number;
  host?: string;
  withWorker?: boolean;
  /** Which proxies may set X-Forwarded-For (./trust-proxy.ts); default: the TRUST_PROXY variable. */
  trustProxy?: string;
  log?: (line: string) => void;
}

export interface RunningFluxor {
  url: string;
  port: number;
  databaseUrl: string;
  close(): Promise<void>;
}

async function loadBuild(): Promise<ServerBuild> {
  if (!existsSync(BUILD_PATH)) throw new Error(`no Remix build at ${BUILD_PATH}: run \`npm run build\` first`);
  return (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
}

// The build is passed as an object, not a function: given a function, Remix re-derives its route table and
// static handler on every request (about a quarter of the CPU of a webhook delivery).
function createExpressApp(
  build: ServerBuild,
  options: { trustProxy: TrustProxy; configured: boolean; log: (line: string) => void },
): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Which proxies may set X-Forwarded-For (the client IP feeds the auth rate limiter and the audit log). Default: none
  // (decision 0049).
  app.set("trust proxy", options.trustProxy);
  if (!options.configured) warnOnForwardedFor(app, options.log);
  const loadContext = (req: express.Request) => ({ clientIp: clientIpOf(req.ip, req.socket.remoteAddress) });
  // Webhook deliveries first: the dispatcher reads their bodies itself, up to its own 5 MiB.
  app.post("/webhooks/*", webhookDispatcher(build, loadContext));
  app.use(limitRequestBodies());
  app.use("/build", express.static(path.join(PROJECT_ROOT, "public", "build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(PROJECT_ROOT, "public"), { maxAge: "1h" }));
  app.all("*", remixHandler({ build, mode: process.env.NODE_ENV, getLoadContext: loadContext }));
  return app;
}

/** Behind a proxy with TRUST_PROXY unset, every client shares the proxy's IP (and rate-limit bucket): say so, once. */
function warnOnForwardedFor(app: express.Express, log: (line: string) => void): void {
  let warned = false;
  app.use((req, _res, next) => {
    if (!warned && req.headers["x-forwarded-for"] !== undefined) {
      warned = true;
      log("X-Forwarded-For ignored: TRUST_PROXY is not set. Behind a proxy, set it to the proxy's address or hop count (README).");
    }
    next();
  });
}

export async function startFluxor(options: FluxorOptions = {}): Promise<RunningFluxor> {
  const log = options.log ?? ((line: string) => console.log(line));
  // A TRUST_PROXY that is not a setting stops the start, before anything else, rather than trust more than was meant.
  const trustProxySetting = options.trustProxy ?? process.env.TRUST_PROXY;
  const trustProxy = trustProxyFrom(trustProxySetting);
  const database = await bootDatabase({ log: () => {} });
  const build = await loadBuild();
  const app = createExpressApp(build, { trustProxy, configured: trustProxySetting !== undefined, log });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(options.port ?? 3000, options.host ?? "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  let runner: Runner | undefined;
  if (options.withWorker) {
    const { startJobWorker } = await import("./jobs.server");
    runner = await startJobWorker({ connectionString: database.url });
  }
  log(`Fluxor listening on http://${options.host ?? "127.0.0.1"}:${port}${runner ? " (with worker)" : ""}`);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    databaseUrl: database.url,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await runner?.stop();
        const { closePool } = await import("../db/pool.server");
        await closePool();
        const { disconnectPrisma } = await import("../db/prisma.server");
        await disconnectPrisma();
        await database.stop();
      })()),
  };
}
