/**
 * Streams a bulk operation's JSONL file line by line (never the whole file in memory) and hands the
 * caller batches of parsed lines. `skip` resumes after the lines a previous attempt already committed.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

export interface JsonlLine {
  /** 0-based line number in the file. */
  index: number;
  value: unknown;
}

export async function* readJsonl(source: AsyncIterable<string | Buffer> | Readable): AsyncGenerator<JsonlLine> {
  const input = source instanceof Readable ? source : Readable.from(source);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let index = 0;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`bulk file line ${index + 1} is not JSON`);
    }
    yield { index, value };
    index++;
  }
}

/** Batches of up to `size` lines, starting after the first `skip` lines. */
export async function* batches(lines: AsyncIterable<JsonlLine>, size: number, skip = 0): AsyncGenerator<JsonlLine[]> {
  let batch: JsonlLine[] = [];
  for await (const line of lines) {
    if (line.index < skip) continue;
    batch.push(line);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** GET a bulk result URL and stream its body. */
export async function downloadJsonl(url: string, fetchImpl: typeof fetch = fetch): Promise<AsyncGenerator<JsonlLine>> {
  const response = await fetchImpl(url);
  if (!response.ok || !response.body) throw new Error(`downloading the bulk file failed: HTTP ${response.status}`);
  return readJsonl(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>));
}
