/** What a resolver gets: the hosted shop, the view it reads (live, or a bulk operation's snapshot), the token's scopes. */
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import type { StoreState, StoreView } from "../store/state";

export type BulkStatus = "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";

export interface BulkOperationRecord {
  id: number;
  shop: string;
  query: string;
  status: BulkStatus;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
}

export interface BulkUserError {
  code: "INVALID" | "OPERATION_IN_PROGRESS";
  field: string[] | null;
  message: string;
}

/** The bulk operations of one shop, as the schema sees them (bulk.ts implements it). */
export interface BulkApi {
  run(query: string, scopes: ReadonlySet<string>): { operation: BulkOperationRecord | null; userErrors: BulkUserError[] };
  cancel(id: number): { operation: BulkOperationRecord | null; userErrors: { field: string[] | null; message: string }[] };
  get(id: number): BulkOperationRecord | undefined;
  current(): BulkOperationRecord | undefined;
}

export interface HostedShop {
  domain: string;
  state: StoreState;
  bulk: BulkApi;
}

export interface AdminContext {
  shop: HostedShop;
  /** What queries read: the live state, or the snapshot a bulk operation took when it started. */
  view: StoreView;
  /** Scopes granted to the access token (write_x implies read_x). */
  scopes: ReadonlySet<string>;
  /** Inside a bulk operation: connections expose all their nodes instead of a page. */
  bulk: boolean;
}

export function gid(type: string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

export function parseGid(value: string): { type: string; id: number } | undefined {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/.exec(value);
  return match?.[1] && match[2] ? { type: match[1], id: Number(match[2]) } : undefined;
}

/** Shopify's ACCESS_DENIED unless the token has the scope (or its write_ sibling). */
export function requireScope(context: AdminContext, info: Pick<GraphQLResolveInfo, "fieldName">, scope: string): void {
  const write = scope.replace(/^read_/, "write_");
  if (context.scopes.has(scope) || context.scopes.has(write)) return;
  throw new GraphQLError(`Access denied for ${info.fieldName} field. Required access: \`${scope}\` access scope.`, {
    extensions: {
      code: "ACCESS_DENIED",
      documentation: "https://shopify.dev/api/usage/access-scopes",
      requiredAccess: `\`${scope}\` access scope.`,
    },
  });
}
