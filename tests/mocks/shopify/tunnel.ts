/**
 * A local stand-in for what `shopify app dev` puts in front of the app (a tunnel) and for Shopify's
 * CDN: a reverse proxy that forwards every request to the app and, in HTML answers, serves App Bridge
 * from the stand-in; it also lets the stand-in admin's origin frame the app (the app's CSP names only
 * https://{shop} and https://admin.shopify.com, which the local admin page is not).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

const APP_BRIDGE_CDN = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

export async function startTunnel(options: { target: string; standInUrl: string; port?: number }): Promise<Tunnel> {
  const target = new URL(options.target);
  const adminOrigin = new URL(options.standInUrl).origin;
  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    const forwardedFor = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = forwardedFor
      ? `${String(forwardedFor)}, ${req.socket.remoteAddress ?? ""}`
      : (req.socket.remoteAddress ?? "");
    headers["x-forwarded-proto"] = "http";
    headers["x-forwarded-host"] = req.headers.host ?? "";
    delete headers["accept-encoding"]; // keep HTML bodies plain so they can be rewritten
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      const outHeaders = { ...answer.headers };
      const csp = outHeaders["content-security-policy"];
      if (typeof csp === "string")
        outHeaders["content-security-policy"] = csp.replace(/frame-ancestors ([^;]*)/, `frame-ancestors $1 ${adminOrigin}`);
      const isHtml = String(answer.headers["content-type"] ?? "").includes("text/html");
      if (!isHtml) {
        res.writeHead(answer.statusCode ?? 502, outHeaders);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(chunks)
          .toString("utf8")
          .replaceAll(APP_BRIDGE_CDN, `${options.standInUrl}/cdn/shopifycloud/app-bridge.js`);
        delete outHeaders["content-length"];
        delete outHeaders["transfer-encoding"];
        res.writeHead(answer.statusCode ?? 502, { ...outHeaders, "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end("tunnel: the app is not answering");
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
