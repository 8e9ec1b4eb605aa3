/**
 * The dev "tunnel": a reverse proxy in front of the app, playing the part of `shopify app dev`'s
 * tunnel plus Shopify's CDN. It forwards every method, header and body (streamed), adds
 * X-Forwarded-*, and only touches three things:
 * - in HTML answers, https://cdn.shopify.com/shopifycloud/app-bridge.js → the stand-in's copy
 *   (also in the `Link: rel=preload` header);
 * - the CSP `frame-ancestors` directive gains the stand-in admin's origin (the app allows only
 *   https://{shop} and https://admin.shopify.com, which the local admin page is not);
 * - redirects to https://admin.shopify.com/store/… or https://{shop}.myshopify.com/… point at the
 *   stand-in (what a browser would otherwise try to reach on the internet).
 * Not proxied: WebSocket upgrades (Remix dev's live reload).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { toStandInUrl } from "./redirect";

export const APP_BRIDGE_CDN_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export interface TunnelOptions {
  /** The app's origin, e.g. http://127.0.0.1:3002. */
  target: string;
  /** The stand-in's URL (serves App Bridge and the admin shell). */
  standInUrl: string;
  port?: number;
  /**
   * Which redirects to point at the stand-in: "admin" (default) only https://admin.shopify.com/store/…
   * (which nothing local could otherwise reach); "all" also https://{shop}.myshopify.com/… (the OAuth
   * authorize step, for a real browser); false none.
   */
  rewriteRedirects?: "admin" | "all" | false;
}

export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

export function addFrameAncestor(csp: string, origin: string): string {
  if (!/frame-ancestors/i.test(csp)) return csp;
  return csp.replace(/frame-ancestors([^;]*)/i, (_match, sources: string) =>
    sources.includes(origin) ? `frame-ancestors${sources}` : `frame-ancestors${sources.replace(/\s*$/, "")} ${origin}`,
  );
}

export function localiseLocation(location: string, standInUrl: string, which: "admin" | "all" = "all"): string {
  const admin = /^https:\/\/admin\.shopify\.com(\/store\/[^/?#]+\/apps\/.*)$/.exec(location);
  if (admin?.[1]) return `${standInUrl.replace(/\/$/, "")}${admin[1]}`;
  return which === "all" && /^https:\/\//.test(location) ? toStandInUrl(standInUrl, location) : location;
}

export async function startTunnel(options: TunnelOptions): Promise<Tunnel> {
  const target = new URL(options.target);
  const standInUrl = options.standInUrl.replace(/\/$/, "");
  const adminOrigin = new URL(standInUrl).origin;
  const localAppBridge = `${standInUrl}/cdn/shopifycloud/app-bridge.js`;
  const rewriteRedirects = options.rewriteRedirects ?? "admin";
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    const forwardedFor = req.headers["x-forwarded-for"];
    const remote = req.socket.remoteAddress ?? "";
    headers["x-forwarded-for"] = forwardedFor ? `${String(forwardedFor)}, ${remote}` : remote;
    headers["x-forwarded-proto"] = "http";
    headers["x-forwarded-host"] = req.headers.host ?? "";
    headers["x-forwarded-port"] = String((server.address() as AddressInfo).port);
    // HTML has to be rewritten: ask for it uncompressed (other bodies stream through untouched).
    delete headers["accept-encoding"];
    const upstream = httpRequest(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out: OutgoingHttpHeaders = { ...answer.headers };
        const csp = out["content-security-policy"];
        if (typeof csp === "string") out["content-security-policy"] = addFrameAncestor(csp, adminOrigin);
        const link = out["link"];
        if (typeof link === "string") out["link"] = link.replaceAll(APP_BRIDGE_CDN_URL, localAppBridge);
        const location = out["location"];
        if (rewriteRedirects && typeof location === "string") out["location"] = localiseLocation(location, standInUrl, rewriteRedirects);
        const isHtml = String(answer.headers["content-type"] ?? "").includes("text/html");
        if (!isHtml || answer.headers["content-encoding"]) {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.from(Buffer.concat(chunks).toString("utf8").replaceAll(APP_BRIDGE_CDN_URL, localAppBridge));
          delete out["transfer-encoding"];
          out["content-length"] = body.length;
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          res.end(body);
        });
        answer.on("error", () => res.destroy());
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("tunnel: the app is not answering");
    });
    req.on("aborted", () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
