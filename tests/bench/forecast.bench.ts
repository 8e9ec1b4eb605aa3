/**
 * npm run bench:forecast [-- --series 10000 --days 730 --horizon 28 --threads 2]
 *
 * Forecasts N series × D days (derived deterministically from the real data, see
 * forecast-data.ts) including per-series model selection and interval calibration, first on one
 * core (forecastMany in this thread), then split over worker threads. Prints series/s.
 * Figures only: nothing is asserted.
 */

import os from "node:os";
import { parseArgs } from "node:util";
import { loadAugurs } from "../../app/forecasting/augurs.server";
import { buildShopContext, forecastMany } from "../../app/forecasting/index";
import { forecastManyInWorkers } from "../../app/forecasting/worker-pool.server";
import { deriveSeries, loadRealSeries } from "./forecast-data";

const { values } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    days: { type: "string", default: "730" },
    horizon: { type: "string", default: "28" },
    threads: { type: "string", default: "2" },
    country: { type: "string", default: "GB" },
  },
});
const N = Number(values.series);
const D = Number(values.days);
const H = Number(values.horizon);
const T = Number(values.threads);
const country = values.country || undefined;

let t = performance.now();
const inputs = deriveSeries(loadRealSeries(), N, D);
const deriveS = (performance.now() - t) / 1000;
console.log(`bench:forecast — ${N} series × ${D} days, horizon ${H}, country ${country ?? "none"}`);
console.log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} cores, Node ${process.version}`);
console.log(`derive workload from real data: ${deriveS.toFixed(2)} s (not counted)`);

const augurs = loadAugurs();
t = performance.now();
const cpu0 = process.cpuUsage();
const shop = buildShopContext(inputs, { country });
const one = forecastMany(inputs, { horizon: H, country, shop, augurs });
const oneS = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
// On a shared machine the wall time also counts the turns of other processes; the CPU time does not.
const cpuS = (cpu.user + cpu.system) / 1e6;
const counts = new Map<string, number>();
for (const r of one) for (const c of r.components) counts.set(c, (counts.get(c) ?? 0) + 1);
console.log(
  `1 core : ${oneS.toFixed(2)} s total, ${(N / oneS).toFixed(0)} series/s, ${((oneS * 1000) / N).toFixed(3)} ms/series (process CPU time: ${cpuS.toFixed(2)} s)`,
);

if (T > 1) {
  t = performance.now();
  const multi = await forecastManyInWorkers(inputs, { horizon: H, country }, { threads: T });
  const mS = (performance.now() - t) / 1000;
  const same = multi.length === one.length && multi.every((r, i) => r.forecast[0] === one[i]!.forecast[0]);
  console.log(
    `${T} cores: ${mS.toFixed(2)} s total, ${(N / mS).toFixed(0)} series/s (worker_threads, incl. start-up and copying; results identical: ${same})`,
  );
}
console.log(
  `ensemble components chosen: ${[...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
