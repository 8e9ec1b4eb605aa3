/**
 * The zod schemas every route uses for what a caller chooses (path and query parameters, form fields), so that a
 * hostile value is refused at the boundary (400, or the route's usual answer to bad input) instead of reaching
 * PostgreSQL and failing there as a 500: ids past bigint, NUL bytes in text, dates far outside any data (issue 16).
 */
import { z } from "zod";
import { storableText } from "../db/storable";

/** PostgreSQL's bigint maximum: Shopify ids and Fluxor's own ids are stored as bigint. */
const MAX_BIGINT = "9223372036854775807";

/**
 * A stored id as a decimal string, 1 … 2^63 − 1, without leading zeros (the string is also compared as text,
 * with the ids the database answers). Without leading zeros, equal lengths compare as numbers do.
 */
export const DbId = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, { error: "must be a numeric id", abort: true })
  .refine((value) => value.length < MAX_BIGINT.length || value <= MAX_BIGINT, `must be a numeric id no larger than ${MAX_BIGINT}`);

/** A location id, or "0": all counted locations together. */
export const LocationId = z.union([z.literal("0"), DbId]);

/**
 * Text a merchant or a caller types (search, vendor, product type, settings keys). PostgreSQL cannot store U+0000 (nor,
 * in jsonb, a lone surrogate), so such a value is refused here; chain `.trim()`, `.min()`, `.max()` after it.
 */
export const UserText = z.string().refine(storableText, "must not contain a NUL character or a lone surrogate");

/**
 * Years a day may have. No store's data starts before 2000 nor is forecast past 2100, and the dates code cannot
 * read years below 100 (JavaScript's Date maps them onto 1900–1999), so nothing outside this window can be meant.
 */
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

/** `YYYY-MM-DD`, a real calendar day between MIN_YEAR and MAX_YEAR. */
export const IsoDay = z.iso.date().refine((value) => {
  const year = Number(value.slice(0, 4));
  return year >= MIN_YEAR && year <= MAX_YEAR;
}, `must be a day from ${MIN_YEAR} to ${MAX_YEAR}`);

/**
 * The one way an action reads its form. A body that is not a form (JSON, plain text, a broken multipart) is the
 * caller's mistake: this answers null and the route refuses it with 400, never a 500. It reads a clone, so the body
 * is still there for a library that reads the request after it (the sign-in routes).
 */
export async function readForm(request: Request): Promise<FormData | null> {
  return request
    .clone()
    .formData()
    .catch(() => null);
}
