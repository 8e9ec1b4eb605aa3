/**
 * Bulk operations (bulkOperationRunQuery) as Shopify runs them: one query operation per shop at a time
 * (OPERATION_IN_PROGRESS otherwise), Shopify's bulk-query rules (one top-level connection, at most five
 * connections, at most two levels of nesting, no connection inside a list, `id` on parents of nested
 * connections), status CREATED → RUNNING → COMPLETED (or FAILED / CANCELED / EXPIRED), and a JSONL file
 * at a plain-GET URL: one object per line, nested connections' nodes on their own lines after their
 * parent with `__parentId`, lists inline.
 *
 * The query runs against a snapshot of the shop taken when it starts. The file is never built: each
 * download walks the snapshot again and streams the lines as they are generated (a 24-month order
 * history is a few hundred MB), so memory stays flat whatever the store's size.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  getNullableType,
  GraphQLError,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import type { StoreView } from "./store/state";
import { ALL, type Connection } from "./graphql/connection";
import type { AdminContext, BulkApi, BulkOperationRecord, BulkUserError, HostedShop } from "./graphql/context";
import { isoSeconds } from "./store/state";

export const MAX_BULK_CONNECTIONS = 5;
export const MAX_BULK_NESTING = 2;

/** A failure to inject into the next bulk operation of a shop. */
export interface BulkFailure {
  /** BulkOperationErrorCode: INTERNAL_SERVER_ERROR (default), TIMEOUT or ACCESS_DENIED. */
  errorCode?: "INTERNAL_SERVER_ERROR" | "TIMEOUT" | "ACCESS_DENIED";
  /** Objects written before it fails (served at partialDataUrl); default half of them. */
  afterObjects?: number;
}

/** A download to cut: the connection dies after this many bytes (default: half the file). */
export interface DownloadCut {
  afterBytes?: number;
  afterLines?: number;
  /** Only the download of this root connection (e.g. "orders"); default: the next download, whatever it is. */
  root?: string;
  /** Instead of dying, the connection stalls after the lines (default: all but the last) until the client goes away. */
  hold?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Compiling and validating a bulk query

interface Plan {
  document: DocumentNode;
  fragments: Map<string, FragmentDefinitionNode>;
  top: FieldNode;
}

function isConnection(type: GraphQLOutputType): boolean {
  return getNamedType(type).name.endsWith("Connection");
}

/** The fields selected on `type` (inline fragments and spreads that apply to it merged in). */
function fieldsOf(set: SelectionSetNode | undefined, type: GraphQLObjectType, fragments: Map<string, FragmentDefinitionNode>): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition?.name.value;
      if (!condition || condition === type.name || type.getInterfaces().some((i) => i.name === condition))
        out.push(...fieldsOf(fragment.selectionSet, type, fragments));
    }
  }
  return out;
}

/** The node selection of a connection field: `edges { node { … } }` and `nodes { … }` merged. */
function nodeSelection(connection: FieldNode, nodeType: GraphQLObjectType, fragments: Map<string, FragmentDefinitionNode>): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const field of connection.selectionSet?.selections ?? []) {
    if (field.kind !== Kind.FIELD) continue;
    if (field.name.value === "nodes") fields.push(...fieldsOf(field.selectionSet, nodeType, fragments));
    if (field.name.value === "edges")
      for (const inner of field.selectionSet?.selections ?? [])
        if (inner.kind === Kind.FIELD && inner.name.value === "node") fields.push(...fieldsOf(inner.selectionSet, nodeType, fragments));
  }
  return fields;
}

function connectionNodeType(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): GraphQLObjectType {
  const connection = getNamedType(field.type);
  const nodes = isObjectType(connection) ? connection.getFields().nodes : undefined;
  const type = nodes ? getNamedType(nodes.type) : undefined;
  if (!type || !isObjectType(type)) throw new Error(`bulk: ${connection.name} has no object nodes`);
  return schema.getType(type.name) as GraphQLObjectType;
}

export function compileBulkQuery(schema: GraphQLSchema, query: string): { plan?: Plan; errors: string[] } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? error.message : String(error)] };
  }
  const invalid = validate(schema, document);
  if (invalid.length) return { errors: invalid.map((error) => error.message) };
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || !operation || operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== "query")
    return { errors: ["Bulk queries must contain exactly one query operation."] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const queryType = schema.getQueryType() as GraphQLObjectType;
  const roots = fieldsOf(operation.selectionSet, queryType, fragments).filter((f) => !f.name.value.startsWith("__"));
  const top = roots[0];
  const topDef = top ? queryType.getFields()[top.name.value] : undefined;
  if (roots.length !== 1 || !top || !topDef || !isConnection(topDef.type))
    return { errors: ["Bulk queries must contain exactly one top-level field, and it must be a connection."] };

  const errors: string[] = [];
  let connections = 0;
  const walk = (set: FieldNode[], type: GraphQLObjectType, depth: number, inList: boolean): void => {
    const nested = set.filter((field) => {
      const def = type.getFields()[field.name.value];
      return def && isConnection(def.type);
    });
    if (nested.length && !inList && !set.some((field) => field.name.value === "id" && !field.alias))
      errors.push(
        `The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': ${type.name}.`,
      );
    for (const field of set) {
      const def = type.getFields()[field.name.value];
      if (!def || field.name.value.startsWith("__")) continue;
      const named = getNamedType(def.type);
      if (isConnection(def.type)) {
        connections++;
        if (inList) {
          errors.push("Queries that contain a connection field within a list field are not currently supported.");
          continue;
        }
        if (depth + 1 > MAX_BULK_NESTING) {
          errors.push(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_BULK_NESTING}.`);
          continue;
        }
        const nodeType = connectionNodeType(schema, def);
        walk(nodeSelection(field, nodeType, fragments), nodeType, depth + 1, false);
      } else if (isObjectType(named)) {
        const list = inList || isListType(getNullableType(def.type));
        walk(fieldsOf(field.selectionSet, named, fragments), named, depth, list);
      }
    }
  };
  connections++;
  const topNode = connectionNodeType(schema, topDef);
  walk(nodeSelection(top, topNode, fragments), topNode, 1, false);
  if (connections > MAX_BULK_CONNECTIONS) errors.push(`Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.`);
  return errors.length ? { errors: [...new Set(errors)] } : { plan: { document, fragments, top }, errors: [] };
}

// ---------------------------------------------------------------------------------------------------
// Walking a plan: the JSONL objects, depth first, children after their parent

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function resolve(field: GraphQLField<unknown, unknown>, node: FieldNode, source: unknown, context: AdminContext): unknown {
  const args = getArgumentValues(field, node, {});
  const info = { fieldName: field.name } as GraphQLResolveInfo;
  return (field.resolve ?? defaultFieldResolver)(source, args, context, info);
}

function serialize(type: GraphQLOutputType, value: unknown): Json {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) return (value as unknown[]).map((item) => serialize(nullable.ofType as GraphQLOutputType, item));
  const named = getNamedType(type);
  return isLeafType(named) ? (named.serialize(value) as Json) : null;
}

interface Walker {
  schema: GraphQLSchema;
  plan: Plan;
  context: AdminContext;
}

/** The object type of a value: the field's own, or for an interface or union the one its `__typename` names. */
function objectTypeOf(walker: Walker, named: GraphQLNamedType, value: unknown): GraphQLObjectType | undefined {
  if (isObjectType(named)) return named;
  if (!isAbstractType(named)) return undefined;
  const name = (value as { __typename?: unknown }).__typename;
  const type = typeof name === "string" ? walker.schema.getType(name) : undefined;
  return isObjectType(type) ? type : undefined;
}

function project(walker: Walker, type: GraphQLObjectType, fields: FieldNode[], source: unknown): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const field of fields) {
    const key = field.alias?.value ?? field.name.value;
    if (field.name.value === "__typename") {
      out[key] = type.name;
      continue;
    }
    const def = type.getFields()[field.name.value];
    if (!def || isConnection(def.type)) continue;
    const value = resolve(def, field, source, walker.context);
    const named = getNamedType(def.type);
    if (isLeafType(named)) out[key] = serialize(def.type, value);
    else if (value === null || value === undefined) out[key] = null;
    else {
      const one = (item: unknown): Json => {
        const concrete = objectTypeOf(walker, named, item);
        return concrete ? project(walker, concrete, fieldsOf(field.selectionSet, concrete, walker.plan.fragments), item) : null;
      };
      out[key] = Array.isArray(value) ? value.map(one) : one(value);
    }
  }
  return out;
}

/**
 * Every object of the bulk result, in file order. `count` mode skips building the objects (the runner
 * counts while "running"; downloads build them).
 */
function* walkConnection(
  walker: Walker,
  parentType: GraphQLObjectType,
  field: FieldNode,
  parentSource: unknown,
  parentId: string | undefined,
  build: boolean,
  stats: { roots: number },
): Generator<{ [key: string]: Json } | null> {
  const def = parentType.getFields()[field.name.value] as GraphQLField<unknown, unknown>;
  const nodeType = connectionNodeType(walker.schema, def);
  const fields = nodeSelection(field, nodeType, walker.plan.fragments);
  const nested = fields.filter((f) => {
    const d = nodeType.getFields()[f.name.value];
    return d && isConnection(d.type);
  });
  const connection = resolve(def, field, parentSource, walker.context) as Connection<unknown>;
  const all = connection[ALL];
  if (!all) throw new Error(`bulk: ${def.name} did not expose its nodes`);
  const idField = nodeType.getFields().id;
  for (const node of all()) {
    if (parentId === undefined) stats.roots++;
    let line: { [key: string]: Json } | null = null;
    if (build) {
      line = project(walker, nodeType, fields, node);
      if (parentId !== undefined) line.__parentId = parentId;
    }
    yield line;
    if (nested.length === 0) continue;
    const id = idField ? String(resolve(idField as GraphQLField<unknown, unknown>, field, node, walker.context)) : undefined;
    for (const child of nested) yield* walkConnection(walker, nodeType, child, node, id, build, stats);
  }
}

function walk(walker: Walker, build: boolean, stats = { roots: 0 }): Generator<{ [key: string]: Json } | null> {
  return walkConnection(walker, walker.schema.getQueryType() as GraphQLObjectType, walker.plan.top, undefined, undefined, build, stats);
}

// ---------------------------------------------------------------------------------------------------
// The runner

interface Operation {
  record: BulkOperationRecord;
  plan: Plan;
  scopes: ReadonlySet<string>;
  snapshot?: StoreView;
  token: string;
  /** Lines in the complete file (or in the partial file when failed). */
  limit?: number;
  failure?: BulkFailure;
  cancelRequested?: boolean;
}

export interface BulkOptions {
  schema: GraphQLSchema;
  shop: () => HostedShop;
  /** Base URL the files are served under. */
  baseUrl: () => string;
  /** Keep an operation RUNNING at least this long (tests that watch the status); default 0. */
  minRunMs?: number;
  onFinish?: (record: BulkOperationRecord) => void;
}

let nextOperationId = 4_300_000_000;
const filesByToken = new Map<string, { operations: BulkOperations; id: number; partial: boolean }>();

export class BulkOperations implements BulkApi {
  private readonly operations = new Map<number, Operation>();
  private nextFailure: BulkFailure | undefined;
  private nextCut: DownloadCut | undefined;
  private closed = false;

  constructor(private readonly options: BulkOptions) {}

  /** Fail the next bulk operation of this shop (FAILED with errorCode and a partialDataUrl). */
  failNext(failure: BulkFailure = {}): void {
    this.nextFailure = failure;
  }
  /** Cut the next download of this shop's bulk files mid-file (the connection is destroyed). */
  cutNextDownload(cut: DownloadCut = {}): void {
    this.nextCut = cut;
  }
  /** The file's URL stops working: status EXPIRED, url null (Shopify keeps files for a week). */
  expire(id: number): void {
    const op = this.operations.get(id);
    if (!op) throw new Error(`no bulk operation ${id}`);
    op.record = { ...op.record, status: "EXPIRED", url: null, partialDataUrl: null };
  }
  list(): BulkOperationRecord[] {
    return [...this.operations.values()].map((op) => op.record);
  }
  close(): void {
    this.closed = true;
  }

  get(id: number): BulkOperationRecord | undefined {
    return this.operations.get(id)?.record;
  }
  current(): BulkOperationRecord | undefined {
    return [...this.operations.values()].at(-1)?.record;
  }

  run(query: string, scopes: ReadonlySet<string>): { operation: BulkOperationRecord | null; userErrors: BulkUserError[] } {
    const running = this.current();
    if (running && (running.status === "CREATED" || running.status === "RUNNING" || running.status === "CANCELING")) {
      return {
        operation: null,
        userErrors: [
          {
            code: "OPERATION_IN_PROGRESS",
            field: null,
            message: `A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/${running.id}.`,
          },
        ],
      };
    }
    const compiled = compileBulkQuery(this.options.schema, query);
    if (!compiled.plan)
      return { operation: null, userErrors: compiled.errors.map((message) => ({ code: "INVALID", field: ["query"], message })) };
    const id = nextOperationId++;
    const record: BulkOperationRecord = {
      id,
      shop: this.options.shop().domain,
      query,
      status: "CREATED",
      errorCode: null,
      createdAt: isoSeconds(this.options.shop().state.nowMs()),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
      partialDataUrl: null,
    };
    const op: Operation = { record, plan: compiled.plan, scopes, token: randomBytes(12).toString("hex"), failure: this.nextFailure };
    this.nextFailure = undefined;
    this.operations.set(id, op);
    setImmediate(() => void this.execute(op));
    return { operation: record, userErrors: [] };
  }

  cancel(id: number) {
    const op = this.operations.get(id);
    if (!op) return { operation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (op.record.status !== "CREATED" && op.record.status !== "RUNNING")
      return {
        operation: op.record,
        userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${op.record.status.toLowerCase()}` }],
      };
    op.cancelRequested = true;
    op.record = { ...op.record, status: "CANCELING" };
    return { operation: op.record, userErrors: [] };
  }

  private walker(op: Operation): Walker {
    const shop = this.options.shop();
    return {
      schema: this.options.schema,
      plan: op.plan,
      context: { shop, view: op.snapshot ?? shop.state, scopes: op.scopes, bulk: true },
    };
  }

  private async execute(op: Operation): Promise<void> {
    const started = Date.now();
    op.snapshot = this.options.shop().state.snapshot();
    op.record = { ...op.record, status: op.cancelRequested ? "CANCELING" : "RUNNING" };
    let objects = 0;
    const stats = { roots: 0 };
    let error: string | null = null;
    try {
      const failAt = op.failure ? (op.failure.afterObjects ?? -1) : undefined;
      for (const line of walk(this.walker(op), false, stats)) {
        void line;
        if (this.closed) return;
        if (failAt !== undefined && failAt >= 0 && objects >= failAt) break;
        objects++;
        if (objects % 5000 === 0) {
          op.record = { ...op.record, objectCount: objects, rootObjectCount: stats.roots };
          await new Promise((resolve) => setImmediate(resolve));
          if (op.cancelRequested) break;
        }
      }
      if (failAt === -1 && op.failure) objects = Math.floor(objects / 2);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      console.error("shopify stand-in: bulk operation failed:", caught);
    }
    const roots = stats.roots;
    const wait = (this.options.minRunMs ?? 0) - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.closed) return;
    const base = `${this.options.baseUrl()}/bulk-results/${op.token}`;
    const completedAt = isoSeconds(this.options.shop().state.nowMs());
    op.limit = objects;
    filesByToken.set(op.token, { operations: this, id: op.record.id, partial: false });
    if (op.cancelRequested) {
      op.record = {
        ...op.record,
        status: "CANCELED",
        completedAt,
        objectCount: objects,
        rootObjectCount: roots,
        partialDataUrl: objects ? `${base}/partial.jsonl` : null,
      };
    } else if (op.failure || error) {
      op.record = {
        ...op.record,
        status: "FAILED",
        errorCode: op.failure?.errorCode ?? "INTERNAL_SERVER_ERROR",
        completedAt,
        objectCount: objects,
        rootObjectCount: Math.min(roots, objects),
        partialDataUrl: objects ? `${base}/partial.jsonl` : null,
      };
    } else {
      op.limit = undefined;
      op.record = {
        ...op.record,
        status: "COMPLETED",
        completedAt,
        objectCount: objects,
        rootObjectCount: roots,
        url: objects ? `${base}/result.jsonl` : null,
      };
    }
    this.options.onFinish?.(op.record);
  }

  /** Serves a result (or partial) file, generated line by line from the operation's snapshot. */
  serve(id: number, partial: boolean, res: ServerResponse): void {
    const op = this.operations.get(id);
    const available = op && (partial ? op.record.partialDataUrl : op.record.url);
    if (!op || !available) {
      res.writeHead(403, { "Content-Type": "application/xml" });
      res.end("<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access denied.</Message></Error>");
      return;
    }
    const cut =
      this.nextCut && (this.nextCut.root === undefined || this.nextCut.root === op.plan.top.name.value) ? this.nextCut : undefined;
    if (cut) this.nextCut = undefined;
    const walker = this.walker(op);
    const limit = op.limit;
    const stopAfterLines = cut
      ? (cut.afterLines ??
        (cut.afterBytes !== undefined ? undefined : cut.hold ? op.record.objectCount - 1 : Math.floor(op.record.objectCount / 2)))
      : undefined;
    function* chunks(): Generator<string> {
      let buffer = "";
      let lines = 0;
      let sent = 0;
      for (const line of walk(walker, true)) {
        if (limit !== undefined && lines >= limit) break;
        if (stopAfterLines !== undefined && lines >= stopAfterLines) break;
        buffer += `${JSON.stringify(line)}\n`;
        lines++;
        if (cut?.afterBytes !== undefined && sent + buffer.length >= cut.afterBytes) {
          yield buffer.slice(0, cut.afterBytes - sent);
          return;
        }
        if (buffer.length >= 64 * 1024) {
          sent += buffer.length;
          yield buffer;
          buffer = "";
        }
      }
      if (buffer) yield buffer;
    }
    res.writeHead(200, { "Content-Type": "application/jsonl", "Cache-Control": "private, max-age=0" });
    const stream = Readable.from(chunks());
    stream.on("error", () => res.destroy());
    if (cut) {
      // The connection dies (or, held, stalls) mid-file: the chunked body never ends properly.
      stream.pipe(res, { end: false });
      if (!cut.hold) stream.on("end", () => res.socket?.destroySoon());
      return;
    }
    stream.pipe(res);
  }
}

/** `GET /bulk-results/{token}/{result|partial}.jsonl` → the file, or undefined if not a bulk URL. */
export function serveBulkFile(pathname: string, res: ServerResponse): boolean {
  const match = /^\/bulk-results\/([0-9a-f]+)\/(result|partial)\.jsonl$/.exec(pathname);
  if (!match?.[1]) return false;
  const file = filesByToken.get(match[1]);
  if (!file) {
    res.writeHead(403, { "Content-Type": "application/xml" });
    res.end("<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code></Error>");
    return true;
  }
  file.operations.serve(file.id, match[2] === "partial", res);
  return true;
}

/** For tests and benchmarks: every line a bulk query would produce on a view, without HTTP. */
export function* bulkLines(schema: GraphQLSchema, shop: HostedShop, query: string, scopes: ReadonlySet<string>): Generator<string> {
  const compiled = compileBulkQuery(schema, query);
  if (!compiled.plan) throw new Error(compiled.errors.join("; "));
  const walker: Walker = { schema, plan: compiled.plan, context: { shop, view: shop.state.snapshot(), scopes, bulk: true } };
  for (const line of walk(walker, true)) yield JSON.stringify(line);
}
