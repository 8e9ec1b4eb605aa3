/** The current shop for the merchant pages' loaders and actions: authenticated, then looked up by domain. */
import { pool } from "../db/pool.server";
import { authenticate } from "../shopify.server";
import { shopByDomain, type Shop } from "../shops/lookup.server";

/** Authenticates the admin request and returns its shop, or null while the shop's row does not exist yet. */
export async function currentShop(request: Request): Promise<Shop | null> {
  const { session } = await authenticate.admin(request);
  return shopByDomain(pool(), session.shop);
}

/** Authenticates the admin request and returns its shop; 404 when the shop row is missing. */
export async function requireShop(request: Request): Promise<Shop> {
  const shop = await currentShop(request);
  if (!shop) throw new Response("Shop not found", { status: 404 });
  return shop;
}
