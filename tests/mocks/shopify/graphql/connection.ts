/**
 * Cursor pagination as the Admin API does it: `first/after` or `last/before`, at most 250 per page,
 * opaque base64 cursors, `edges { cursor node }`, `nodes`, `pageInfo`. A connection built inside a bulk
 * operation pages nothing: it carries an iterator over every node (`ALL`), which the bulk runner walks.
 */
import { GraphQLError } from "graphql";

export const MAX_PAGE_SIZE = 250;
/** The key under which a connection object exposes all its nodes (bulk operations). */
export const ALL: unique symbol = Symbol("all nodes");

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges?: { cursor: string; node: T }[];
  nodes?: T[];
  pageInfo?: PageInfo;
  [ALL]?: () => Iterable<T>;
}

export function encodeCursor(key: number): string {
  return Buffer.from(JSON.stringify({ last_id: key, last_value: String(key) })).toString("base64");
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64").toString("utf8"));
    if (parsed && typeof parsed === "object" && "last_id" in parsed && typeof parsed.last_id === "number") return parsed.last_id;
  } catch {
    // fall through
  }
  throw new GraphQLError("Invalid cursor for current pagination sort.", { extensions: { code: "BAD_REQUEST" } });
}

/** Validates first/last like Shopify; returns the page size. */
export function pageSize(args: ConnectionArgs): number {
  const { first, last } = args;
  const hasFirst = first !== undefined && first !== null;
  const hasLast = last !== undefined && last !== null;
  if (!hasFirst && !hasLast) throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
  if (hasFirst && hasLast)
    throw new GraphQLError("providing both first and last is not supported", { extensions: { code: "BAD_REQUEST" } });
  const size = (hasFirst ? first : last) ?? 0;
  if (size < 0) throw new GraphQLError("first and last must be positive", { extensions: { code: "BAD_REQUEST" } });
  if (size > MAX_PAGE_SIZE)
    throw new GraphQLError(`The maximum page size is ${MAX_PAGE_SIZE}, but ${size} was requested.`, {
      extensions: { code: "MAX_PAGE_SIZE_EXCEEDED" },
    });
  return size;
}

function build<T>(items: T[], key: (item: T) => number, hasNextPage: boolean, hasPreviousPage: boolean): Connection<T> {
  const edges = items.map((node) => ({ cursor: encodeCursor(key(node)), node }));
  return {
    edges,
    nodes: items,
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** A connection over an array already in its sort order. */
export function arrayConnection<T>(items: readonly T[], args: ConnectionArgs, key: (item: T) => number, bulk: boolean): Connection<T> {
  if (bulk) return { [ALL]: () => (args.reverse ? [...items].reverse() : items) };
  const size = pageSize(args);
  const list = args.reverse ? [...items].reverse() : items;
  const find = (cursor: string): number => {
    const wanted = decodeCursor(cursor);
    const index = list.findIndex((item) => key(item) === wanted);
    if (index < 0) throw new GraphQLError("Invalid cursor for current pagination sort.", { extensions: { code: "BAD_REQUEST" } });
    return index;
  };
  let start = args.after ? find(args.after) + 1 : 0;
  let end = args.before ? find(args.before) : list.length;
  if (args.first !== undefined && args.first !== null) end = Math.min(end, start + size);
  else start = Math.max(start, end - size);
  return build(list.slice(start, end), key, end < list.length, start > 0);
}

/**
 * A connection over a lazy ordered stream: `forward(afterKey)` yields in sort order after a key,
 * `backward(beforeKey)` in reverse order before a key. Only a page (+1) is ever generated.
 */
export function streamConnection<T>(
  args: ConnectionArgs,
  key: (item: T) => number,
  forward: (afterKey?: number) => Iterable<T>,
  backward: (beforeKey?: number) => Iterable<T>,
  bulk: boolean,
): Connection<T> {
  const reverse = Boolean(args.reverse);
  if (bulk) return { [ALL]: () => (reverse ? backward() : forward()) };
  const size = pageSize(args);
  const take = (source: Iterable<T>, n: number): T[] => {
    const out: T[] = [];
    if (n <= 0) return out;
    for (const item of source) {
      out.push(item);
      if (out.length >= n) break;
    }
    return out;
  };
  const ahead = (cursor?: string | null) => (reverse ? backward : forward)(cursor ? decodeCursor(cursor) : undefined);
  const behind = (cursor?: string | null) => (reverse ? forward : backward)(cursor ? decodeCursor(cursor) : undefined);
  if (args.first !== undefined && args.first !== null) {
    const items = take(ahead(args.after), size + 1);
    const more = items.length > size;
    return build(items.slice(0, size), key, more, Boolean(args.after));
  }
  const items = take(behind(args.before), size + 1);
  const more = items.length > size;
  return build(items.slice(0, size).reverse(), key, Boolean(args.before), more);
}
