/**
 * The `query:` argument of the orders connection and ordersCount, in Shopify's search syntax, for the
 * terms the stand-in understands: `created_at`, `updated_at` (with `>`, `>=`, `<`, `<=`, `:`), `status`
 * (`any`, `open`, `cancelled`). Terms are ANDed; a date without a time is midnight in the shop's zone.
 * Unknown terms are ignored.
 */
import type { OrderFilter } from "../store/state";
import { restTime } from "../store/rest";

const DAY_MS = 86_400_000;

function instant(value: string, timeZone: string): number | undefined {
  const text = value.replace(/^['"]|['"]$/g, "");
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const utc = Date.parse(`${text}T00:00:00Z`);
    const offset = /([+-])(\d{2}):(\d{2})$/.exec(restTime(new Date(utc).toISOString(), timeZone) ?? "");
    const minutes = offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
    return utc - minutes * 60_000;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseOrderQuery(query: string | null | undefined, timeZone: string): OrderFilter {
  const filter: OrderFilter = {};
  if (!query) return filter;
  for (const term of query.match(/\S+:(?:'[^']*'|"[^"]*"|\S+)/g) ?? []) {
    const match = /^(\w+):(>=|<=|>|<)?(.+)$/.exec(term);
    if (!match) continue;
    const [, field, op = ":", raw = ""] = match;
    if (field === "status") {
      const status = raw.replace(/['"]/g, "");
      if (status === "cancelled") filter.cancelled = true;
      else if (status === "open") filter.cancelled = false;
      continue;
    }
    if (field !== "created_at" && field !== "updated_at") continue;
    const at = instant(raw, timeZone);
    if (at === undefined) continue;
    const dateOnly = /^['"]?\d{4}-\d{2}-\d{2}['"]?$/.test(raw);
    const from = field === "created_at" ? "createdFrom" : "updatedFrom";
    const until = field === "created_at" ? "createdUntil" : "updatedUntil";
    const next = at + (dateOnly ? DAY_MS : 1000);
    if (op === ">=") filter[from] = Math.max(filter[from] ?? -Infinity, at);
    else if (op === ">") filter[from] = Math.max(filter[from] ?? -Infinity, next);
    else if (op === "<") filter[until] = Math.min(filter[until] ?? Infinity, at);
    else if (op === "<=") filter[until] = Math.min(filter[until] ?? Infinity, next);
    else {
      filter[from] = at;
      filter[until] = next;
    }
  }
  return filter;
}
