/**
 * A streamed CSV download: lines are sent as they are produced, so a 50 000-row export needs no buffer. The
 * exports of the shop's data need the plan's CSV export (decision 0047); the billing and operator exports are
 * open to every plan (a merchant's own billing records).
 *
 * A streamed answer's status is sent with its first byte, so an export fails visibly in three places (issue 16):
 * - its parameters are validated before anything runs: 400 with what is wrong (`csvParamsRefusedResponse`);
 * - its first chunk (every export's first query: the header line is sent with the first batch of rows) is read
 *   before the 200 is sent, so a query that fails at once answers 500, not a 200 carrying only a header line;
 * - a later chunk that fails ends the file with an unmistakable last row, then aborts the response.
 */
import type { z } from "zod";
import { featureRefusal, type FeatureRefusal } from "../billing/entitlements";
import { shopEntitlements } from "../billing/limits.server";
import { csvLine } from "../csv/writer";
import { pool } from "../db/pool.server";
import { createI18n, localeFromRequest } from "../i18n/i18n";
import { contentDisposition } from "./csv";

const JSON_HEADERS = {
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "private, no-store",
  "X-Content-Type-Options": "nosniff",
};

function translator(request: Request) {
  const locale = localeFromRequest(request);
  return createI18n(locale).getFixedT(locale);
}

/**
 * How long a started export waits for its reader to ask for more before it gives its source up. The Node server
 * asks for the next chunk as soon as it has written one, so only a body nobody reads waits this long (code that
 * looks at the status only, or drops the body). Without this, the variants export's cursor would keep a pooled
 * connection, inside its transaction, for ever.
 */
export const CSV_IDLE_MS = 30_000;

export interface StreamOptions {
  /** The last line of a file whose source failed after some lines were sent. */
  incompleteLine: string;
  onError?: (error: unknown) => void;
  idleMs?: number;
}

/**
 * The bytes of `lines`. When the source fails after some lines were sent, the file ends with `incompleteLine`
 * and then the stream errors, which the server turns into an aborted response (the HTTP/1.1 chunked body is
 * never terminated). Both, because of who reads the file:
 * - the abort is what browsers understand: the embedded pages download through `fetch` (app/dashboard/download.ts),
 *   whose body then rejects, so no partial file is saved and the page shows its export error; a plain download
 *   link (the operator console) ends as a failed download in the browser's list, not as a file to open;
 * - the last row is for whatever keeps the bytes anyway (curl, a script, a browser that saves partial files): a
 *   merchant who opens such a file in Excel sees, as its last row, that it is not the whole list, instead of a
 *   list that looks complete and silently stops. It is its own row (every source yields whole lines), one text
 *   cell, through the CSV writer like every other cell.
 * The trailer is enqueued first and the error raised on the next pull, once the server has taken the trailer: an
 * error raised at once would discard it with the stream's queue. Remix's Node adapter then destroys the socket at
 * once, dropping what it had not yet written to it, so over HTTP the last row arrives when the bytes before it
 * were already flushed; the abort always arrives.
 */
export function streamAsyncIterable(lines: AsyncIterable<string>, options: StreamOptions): ReadableStream<Uint8Array> {
  const { incompleteLine, onError = () => {}, idleMs = CSV_IDLE_MS } = options;
  const encoder = new TextEncoder();
  const iterator = lines[Symbol.asyncIterator]();
  let failure: { error: unknown } | null = null;
  let cancelled = false;
  let idle: NodeJS.Timeout | undefined;
  const close = async () => {
    cancelled = true;
    clearTimeout(idle);
    await iterator.return?.();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(idle);
      if (failure) {
        controller.error(failure.error);
        return;
      }
      let next: IteratorResult<string>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (cancelled) return;
        onError(error);
        failure = { error };
        controller.enqueue(encoder.encode(incompleteLine));
        return;
      }
      // The download may have been cancelled while the source worked: nothing more goes out.
      if (cancelled) return;
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value));
      idle = setTimeout(() => {
        controller.error(new Error(`nobody read the export for ${idleMs} ms`));
        void close().catch(onError);
      }, idleMs);
      idle.unref();
    },
    cancel: close,
  });
}

/** The row that ends an export cut short, in the merchant's language. */
export function incompleteCsvLine(request: Request): string {
  return csvLine([translator(request)("csvExport.incomplete")]);
}

/**
 * The download of `lines` under `filename`. The first chunk is read before answering: a source that fails before
 * its first line answers 500 (JSON, with a sentence in the merchant's language), and nothing was sent. A HEAD
 * request gets the headers without the export being run.
 */
export async function csvResponse(request: Request, lines: AsyncIterable<string>, filename: string): Promise<Response> {
  const headers = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": contentDisposition(filename),
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
  };
  // Remix drops a HEAD answer's body without reading it: the export is not run at all.
  if (request.method === "HEAD") return new Response(null, { headers });
  const iterator = lines[Symbol.asyncIterator]();
  const log = (when: string) => (error: unknown) => console.error(`CSV export ${filename} failed ${when}:`, error);
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch (error) {
    log("before its first line")(error);
    return new Response(JSON.stringify({ error: "export_failed", message: translator(request)("csvExport.failed") }), {
      status: 500,
      headers: JSON_HEADERS,
    });
  }
  const rest = (async function* () {
    try {
      if (first.done) return;
      yield first.value;
      yield* { [Symbol.asyncIterator]: () => iterator };
    } finally {
      // Closed before it reached the source (a download cancelled after the first chunk): close the source too.
      await iterator.return?.();
    }
  })();
  const body = streamAsyncIterable(rest, { incompleteLine: incompleteCsvLine(request), onError: log("mid-stream") });
  return new Response(body, { headers });
}

/** A parameter of an export that cannot be used, and why. */
export interface CsvParamIssue {
  param: string;
  message: string;
}

/** The 400 of an export asked with parameters it cannot use: the issues for a program, a sentence for the merchant. */
export function csvParamsRefusedResponse(request: Request, issues: readonly CsvParamIssue[]): Response {
  const params = [...new Set(issues.map((issue) => issue.param))].join(", ");
  const message = translator(request)("csvExport.invalidParams", { params });
  return new Response(JSON.stringify({ error: "invalid_parameters", message, issues }), { status: 400, headers: JSON_HEADERS });
}

/**
 * An export's query parameters, read for the keys of `schema` (an empty value is an absent one) and validated
 * before anything is streamed: the parsed values, or the 400 to answer. Unlike the pages, which drop a bad filter
 * and show the rest, an export refuses: a file without the filter asked for would look like the right one.
 */
export function parseCsvParams<Shape extends z.ZodRawShape>(
  request: Request,
  schema: z.ZodObject<Shape>,
): { ok: true; data: z.infer<z.ZodObject<Shape>> } | { ok: false; response: Response } {
  const search = new URL(request.url).searchParams;
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = search.get(key);
    if (value !== null && value !== "") raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issues = parsed.error.issues.map((issue) => ({ param: String(issue.path[0] ?? ""), message: issue.message }));
  return { ok: false, response: csvParamsRefusedResponse(request, issues) };
}

/** null when the shop's plan includes CSV export (or the shop is not limited), else why not. */
export async function csvRefusal(shopId: string): Promise<FeatureRefusal | null> {
  return featureRefusal(await shopEntitlements(pool(), shopId), "csv");
}

/**
 * The 403 of an export the plan does not include: the refusal for a program, and a sentence in the merchant's
 * language naming the plan that has it (the pages show that plan instead of the download button).
 */
export function csvRefusedResponse(request: Request, refusal: FeatureRefusal): Response {
  const t = translator(request);
  const plan = refusal.requiredPlan;
  const message =
    plan === null
      ? t("csvExport.refused")
      : `${t("csvExport.refused")} ${t("csvExport.refusedPlan", { plan: t(`billing:plans.${plan}`) })}`;
  return new Response(JSON.stringify({ ...refusal, message }), { status: 403, headers: JSON_HEADERS });
}
