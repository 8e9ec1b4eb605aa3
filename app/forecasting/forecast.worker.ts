/** Worker-thread entry for worker-pool.server.ts: forecasts one chunk of series. */

import { parentPort } from "node:worker_threads";
import { loadAugurs } from "./augurs.server";
import { forecastMany } from "./signals";
import type { ForecastOptions, SeriesInput } from "./types";

export interface WorkerRequest {
  inputs: SeriesInput[];
  options: Omit<ForecastOptions, "augurs">;
  useAugurs: boolean;
}

parentPort?.on("message", (req: WorkerRequest) => {
  try {
    const results = forecastMany(req.inputs, { ...req.options, augurs: req.useAugurs ? loadAugurs() : undefined });
    parentPort?.postMessage({ ok: true, results });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
