/** The current shop for the merchant pages' loaders and actions: authenticated, then looked up by domain. */
import { pool } from "../db/pool.server";
import { authenticate } from "../shopify.server";
import { shopByDomain, type Shop } from "../shops/lookup.server";

/** How long a first open waits for the shop's row (see `currentShop`). */
const FIRST_OPEN_WAIT_MS = 10_000;

/**
 * Authenticates the admin request and returns its shop, or null when the shop's row does not exist. On the first
 * open of a new install the admin loads the page's loaders in parallel: one of them exchanges the session token
 * and records the install (`afterAuth`), and the others may find the new session before that row is committed;
 * they wait for it, briefly, rather than answer 404.
 */
export async function currentShop(request: Request): Promise<Shop | null> {
  const { session } = await authenticate.admin(request);
  const deadline = Date.now() + FIRST_OPEN_WAIT_MS;
  for (;;) {
    const shop = await shopByDomain(pool(), session.shop);
    if (shop || Date.now() >= deadline) return shop;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Authenticates the admin request and returns its shop; 404 when the shop row is missing. */
export async function requireShop(request: Request): Promise<Shop> {
  const shop = await currentShop(request);
  if (!shop) throw new Response("Shop not found", { status: 404 });
  return shop;
}
