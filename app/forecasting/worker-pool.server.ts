/**
 * Split series across N worker threads. The shop context (weekday pattern, closures, holiday
 * effect) is measured once here so every worker sees the same one; each worker loads augurs
 * itself. Results come back in input order. Works under tsx (the workers get its loader) and from
 * compiled JS (the worker file must sit next to this one with the same extension).
 */

import os from "node:os";
import { Worker } from "node:worker_threads";
import type { WorkerRequest } from "./forecast.worker";
import { buildShopContext } from "./shop";
import type { ForecastOptions, ForecastResult, SeriesInput } from "./types";

type WorkerReply = { ok: true; results: ForecastResult[] } | { ok: false; error: string };

export async function forecastManyInWorkers(
  inputs: readonly SeriesInput[],
  options: Omit<ForecastOptions, "augurs">,
  { threads = Math.max(1, os.availableParallelism() - 1), useAugurs = true }: { threads?: number; useAugurs?: boolean } = {},
): Promise<ForecastResult[]> {
  const shop = options.shop ?? buildShopContext(inputs, options);
  const n = Math.max(1, Math.min(threads, inputs.length));
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const url = new URL(`./forecast.worker${ext}`, import.meta.url);
  // Under tsx the workers do not inherit its loader: boot them through tsx's API instead.
  const boot =
    ext === ".ts"
      ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}));`
      : undefined;
  const size = Math.ceil(inputs.length / n);
  // Typed arrays clone far faster than arrays of numbers when posted to a worker.
  const compact = (x: SeriesInput): SeriesInput => ({
    ...x,
    values: x.values instanceof Float64Array ? x.values : Float64Array.from(x.values),
    ...(x.inStock ? { inStock: Uint8Array.from(x.inStock, (v) => (v === 0 || v === false ? 0 : 1)) } : {}),
  });
  const chunks = Array.from({ length: n }, (_, k) => inputs.slice(k * size, (k + 1) * size).map(compact));
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<ForecastResult[]>((resolve, reject) => {
          const worker = boot ? new Worker(boot, { eval: true }) : new Worker(url);
          worker.once("message", (reply: WorkerReply) => {
            void worker.terminate();
            if (reply.ok) resolve(reply.results);
            else reject(new Error(reply.error));
          });
          worker.once("error", reject);
          const req: WorkerRequest = { inputs: chunk, options: { ...options, shop }, useAugurs };
          worker.postMessage(req);
        }),
    ),
  );
  return parts.flat();
}
