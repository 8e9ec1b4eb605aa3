/**
 * Pure HTTP helpers of the forecast API (no server imports, unit-tested): correlation ids, JSON answers and
 * errors, zod parameter parsing, ETags.
 */
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { DbId } from "../api/params";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(request: Request): string {
  const given = request.headers.get("X-Request-Id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

export function badRequest(error: string, issues?: z.core.$ZodIssue[]): Response {
  return json(
    { error, ...(issues ? { issues: issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, code: i.code })) } : {}) },
    400,
    { "Cache-Control": "no-store" },
  );
}

export function notFound(error = "not found"): Response {
  return json({ error }, 404, { "Cache-Control": "no-store" });
}

/** A strong ETag of the given parts (run id, visible-rows version, the resource and its query). */
export function etagOf(...parts: string[]): string {
  return `"${createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 27)}"`;
}

export function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get("If-None-Match");
  if (!header) return false;
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === etag || t === "*");
}

export const CACHE_PRIVATE = "private, max-age=60, must-revalidate";

/** A cached JSON answer of a stored resource: 304 when the client's ETag matches. */
export async function cachedJson(request: Request, etag: string, load: () => Promise<unknown | null>): Promise<Response> {
  const headers = { ETag: etag, "Cache-Control": CACHE_PRIVATE, Vary: "Authorization" };
  if (notModified(request, etag)) return new Response(null, { status: 304, headers });
  const body = await load();
  if (body === null) return notFound();
  return json(body, 200, headers);
}

/** A variant or product id, given as a number or as a Shopify GID (`gid://shopify/ProductVariant/123`). */
export const NumericId = z
  .string()
  .transform((value) => value.split("/").pop() ?? "")
  .pipe(DbId);

/** Parses with zod; a failure is a 400 `{ error, issues }` answer. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): { ok: true; data: z.infer<S> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, response: badRequest(`invalid ${what}`, parsed.error.issues) };
}

export function searchParamsOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}
