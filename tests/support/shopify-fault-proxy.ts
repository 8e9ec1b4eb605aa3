/**
 * The network between a Fluxor worker and the Shopify stand-in, for the outage tests: the worker's calls to
 * `https://{shop}/…` are redirected here (tests/demo/worker-process.ts takes this URL as the stand-in's) and
 * forwarded to the stand-in. It records every Admin API request it sees (what reached Shopify), and can put a
 * shop's Admin API into a sustained outage until told to recover:
 *
 * - `status`: every request is answered with that HTTP status by the stand-in itself (its `failAdminCalls`
 *   fault is armed for the one request just before it is forwarded, so the body and Retry-After are the
 *   stand-in's), cycling through the given statuses;
 * - `hang`: requests are accepted and never answered (a Shopify edge that times out), until `recover()`,
 *   `close()` or the client gives up.
 *
 * The stand-in's own faults count calls (`failAdminCalls(shop, { count })`); an outage that lasts until the test
 * ends it, and a hang, are what this adds (see the fault-tests report for the stand-in change that would make
 * this proxy unnecessary).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ShopifyStandIn } from "../mocks/shopify";

export type OutageStatus = 429 | 500 | 502 | 503 | 504;

export type Outage = { kind: "status"; statuses: OutageStatus[]; retryAfterSeconds?: number } | { kind: "hang" };

export interface AdminRequest {
  shop: string;
  at: number;
  /** Sent by the Shopify library (its User-Agent names it), not by the sync's own client. */
  library: boolean;
  /** How it was answered: "forwarded" (the stand-in served it), a status of the outage, or "held". */
  outcome: "forwarded" | OutageStatus | "held";
}

export interface ShopifyFaultProxy {
  url: string;
  /** Every Admin API request seen, in order. */
  requests(): AdminRequest[];
  /** Requests now held by a `hang` outage. */
  held(): number;
  outage(shop: string, outage: Outage): void;
  /** Ends the shop's outage; held requests are dropped (their connections reset), as an edge that gave up would. */
  recover(shop: string): void;
  close(): Promise<void>;
}

const ADMIN_GRAPHQL = /^\/shops\/([a-z0-9][a-z0-9-]*\.myshopify\.com)\/admin\/api\/[^/]+\/graphql\.json$/;

export async function startShopifyFaultProxy(standIn: ShopifyStandIn): Promise<ShopifyFaultProxy> {
  const target = new URL(standIn.url);
  const outages = new Map<string, { outage: Outage; next: number }>();
  const log: AdminRequest[] = [];
  const holding = new Map<string, Set<Socket>>();
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(
      // A connection per request: a kept-alive one that the stand-in closed after its idle timeout could be reused
      // just too late on a busy machine, and that reset would count as one more Shopify failure.
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const shop = ADMIN_GRAPHQL.exec(req.url ?? "")?.[1];
    if (!shop) return forward(req, res);
    const library = String(req.headers["user-agent"] ?? "").includes("Shopify API Library");
    const current = outages.get(shop);
    if (current?.outage.kind === "hang") {
      log.push({ shop, at: Date.now(), library, outcome: "held" });
      const held = holding.get(shop) ?? new Set<Socket>();
      holding.set(shop, held);
      held.add(req.socket);
      req.socket.once("close", () => held.delete(req.socket));
      req.resume();
      return;
    }
    if (current?.outage.kind === "status") {
      const { statuses, retryAfterSeconds } = current.outage;
      const status = statuses[current.next++ % statuses.length] ?? 503;
      log.push({ shop, at: Date.now(), library, outcome: status });
      standIn.faults.failAdminCalls(shop, { status, count: 1, retryAfter: retryAfterSeconds });
      return forward(req, res);
    }
    log.push({ shop, at: Date.now(), library, outcome: "forwarded" });
    return forward(req, res);
  });
  // Idle connections from the worker stay open (its fetch reuses them): never closed under it, so no reuse races a close.
  server.keepAliveTimeout = 0;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });

  const dropHeld = (shop: string) => {
    for (const socket of holding.get(shop) ?? []) socket.destroy();
    holding.delete(shop);
  };

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => [...log],
    held: () => [...holding.values()].reduce((n, set) => n + set.size, 0),
    outage: (shop, outage) => outages.set(shop, { outage, next: 0 }),
    recover: (shop) => {
      outages.delete(shop);
      dropHeld(shop);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
