/**
 * A GET on a connection of its own. The global fetch keeps connections alive and reuses one after a pause; a server
 * closes an idle one after 5 s (Node's default), and on a machine busy enough to delay the client's own timer the reuse
 * can come just after the close and end in ECONNRESET. The fault tests pause a lot (while a database restarts, while a
 * worker is killed), so their requests to the app open a fresh connection each time.
 */
import { request } from "node:http";

export interface FreshResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function freshGet(url: string, headers: Record<string, string> = {}): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
