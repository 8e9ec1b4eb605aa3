/** A shop's permanent domain, `{handle}.myshopify.com`: the one check, for webhook headers and job payloads. */
import { z } from "zod";

export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export const ShopDomain = z.string().regex(SHOP_DOMAIN);
