/**
 * TRUST_PROXY: which proxies in front of Fluxor may tell it the client's IP with X-Forwarded-For (issue 16 item 10,
 * docs/decisions/0049-edge-headers-and-limits.md). The client IP picks the rate-limit bucket of the sign-in and
 * OAuth routes and is written to the audit log, so whoever may set it may pick their bucket.
 *
 * - unset, empty, `false` or `0`: no proxy is trusted; the client IP is the connection's peer. The safe default: an
 *   app reached directly ignores a forged header.
 * - a hop count, `1`, `2`…: that many proxies in front of Fluxor append to the header (a load balancer whose
 *   address changes); the IP that the outermost of them saw is the client.
 * - addresses, subnets and names, comma-separated: `10.0.3.7`, `10.0.0.0/16`, `loopback`, `linklocal`, `uniquelocal`:
 *   the proxies with those addresses (the load balancer's subnet, or `loopback` for a proxy on the same host).
 * - `true` is refused: it trusts every hop, so the leftmost entry — written by the client — would be taken.
 */
import { isIP } from "node:net";
import { z } from "zod";

/** What Express's "trust proxy" setting is given. */
export type TrustProxy = false | number | string[];

const NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(entry: string): boolean {
  if (NAMES.has(entry)) return true;
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const TrustProxySetting = z
  .string()
  .trim()
  .transform((raw, context): TrustProxy => {
    if (raw === "" || raw === "false" || raw === "0") return false;
    if (raw === "true") {
      context.addIssue({
        code: "custom",
        message: "TRUST_PROXY=true would let every client pick its own IP: give the proxies' addresses or their number (e.g. 1)",
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(raw)) return Number(raw);
    const entries = raw.split(",").map((entry) => entry.trim());
    const wrong = entries.filter((entry) => !isProxyAddress(entry));
    if (wrong.length > 0) {
      context.addIssue({
        code: "custom",
        message: `TRUST_PROXY: not an address, subnet, hop count or loopback/linklocal/uniquelocal: ${wrong.join(", ")}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** The "trust proxy" setting for `TRUST_PROXY`; throws with the reason when the value is not one. */
export function trustProxyFrom(raw: string | undefined): TrustProxy {
  const parsed = TrustProxySetting.safeParse(raw ?? "");
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

/** The client IP for the rate limiter and the audit log: what Express resolved, if it is an address, else the peer's. */
export function clientIpOf(resolved: string | undefined, peer: string | undefined): string {
  if (resolved && isIP(resolved)) return resolved;
  return peer && isIP(peer) ? peer : "unknown";
}
