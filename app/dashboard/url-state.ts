/**
 * The variants list keeps its whole state (search, filters, sort, page) in the URL, so a link, the
 * back button and the CSV export all see the same list. These helpers turn the URL into the
 * contract's VariantListQuery and back, leaving defaults out of the URL.
 */
import { type ABC_CLASSES, type RISKS, SORT_KEYS, VariantListQuery } from "../forecasts/contract";

export type Risk = (typeof RISKS)[number];
export type AbcClass = (typeof ABC_CLASSES)[number];
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = "asc" | "desc";

const LIST_KEYS = ["risk", "vendor", "productType", "abc"] as const;
export type ListFilterKey = (typeof LIST_KEYS)[number];
/** Free-text lists: one URL parameter per value, as a vendor's name may contain a comma. */
const TEXT_LIST_KEYS: readonly string[] = ["vendor", "productType"] satisfies ListFilterKey[];

const DEFAULTS = VariantListQuery.parse({});

/** The list's parameters present in the URL (an empty value is an absent one), not yet validated. */
function rawQuery(params: URLSearchParams): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = {};
  for (const key of Object.keys(VariantListQuery.shape)) {
    if (TEXT_LIST_KEYS.includes(key)) {
      const values = params.getAll(key).filter((value) => value !== "");
      if (values.length > 0) raw[key] = values;
      continue;
    }
    const value = params.get(key);
    if (value !== null && value !== "") raw[key] = value;
  }
  return raw;
}

/**
 * Reads the list's query from URL parameters. An invalid parameter is dropped (the merchant sees the
 * list without it) rather than failing the page; each parameter is validated on its own.
 */
export function queryFromSearchParams(params: URLSearchParams): VariantListQuery {
  const raw = rawQuery(params);
  const whole = VariantListQuery.safeParse(raw);
  if (whole.success) return whole.data;
  const kept: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (VariantListQuery.safeParse({ [key]: value }).success) kept[key] = value;
  }
  return VariantListQuery.parse(kept);
}

/**
 * The query of an export (`/app/variants.csv?…`), or what is wrong with it. Strict where the page is lenient: a
 * file without a filter the link asked for would look like the filtered list, so a bad parameter is refused.
 * The paging parameters are not read: an export is the whole list.
 */
export function exportQueryFromSearchParams(
  params: URLSearchParams,
): { ok: true; query: VariantListQuery } | { ok: false; issues: { param: string; message: string }[] } {
  const raw = rawQuery(params);
  delete raw.page;
  delete raw.pageSize;
  const parsed = VariantListQuery.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((issue) => ({ param: String(issue.path[0] ?? ""), message: issue.message })) };
}

/** The URL parameters of a query, without the defaults (so `/app/variants` is the default list). */
export function searchParamsFromQuery(query: Partial<VariantListQuery>): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  for (const key of LIST_KEYS) {
    const values = query[key];
    if (!values || values.length === 0) continue;
    if (TEXT_LIST_KEYS.includes(key)) for (const value of values) params.append(key, value);
    else params.set(key, values.join(","));
  }
  if (query.unusual) params.set("unusual", "1");
  if (query.location && query.location !== DEFAULTS.location) params.set("location", query.location);
  if (query.sort && query.sort !== DEFAULTS.sort) params.set("sort", query.sort);
  if (query.direction && query.direction !== DEFAULTS.direction) params.set("direction", query.direction);
  if (query.page && query.page !== DEFAULTS.page) params.set("page", String(query.page));
  if (query.pageSize && query.pageSize !== DEFAULTS.pageSize) params.set("pageSize", String(query.pageSize));
  return params;
}

/** A change to the list: anything but the page itself sends the merchant back to page 1. */
export function updateQuery(query: VariantListQuery, change: Partial<VariantListQuery>): VariantListQuery {
  const next = { ...query, ...change };
  if (!("page" in change)) next.page = 1;
  return next;
}

/** `/app/variants?…` for a query. */
export function variantsHref(query: Partial<VariantListQuery>, base = "/app/variants"): string {
  const search = searchParamsFromQuery(query).toString();
  return search ? `${base}?${search}` : base;
}

/** Polaris IndexFilters' sort values ("stockoutDate asc") ↔ the query's sort and direction. */
export function sortValue(sort: SortKey, direction: SortDirection): string {
  return `${sort} ${direction}`;
}

export function parseSortValue(value: string | undefined): { sort: SortKey; direction: SortDirection } | null {
  const [sort, direction] = (value ?? "").split(" ");
  const key = SORT_KEYS.find((candidate) => candidate === sort);
  if (!key || (direction !== "asc" && direction !== "desc")) return null;
  return { sort: key, direction };
}

export const DEFAULT_LIST_QUERY: VariantListQuery = DEFAULTS;
