/**
 * Deterministic synthetic workload for the forecasting benchmark, derived at run time from the
 * real online-retail series (never committed): each derived series copies whole weeks of a
 * randomly chosen source series (weekdays stay aligned, so closed days stay closed), walking
 * through the source at a random speed (time-warping: weeks get repeated or skipped), scaled by a
 * random factor and with multiplicative day noise. Same seed → same series.
 */

import { readFileSync } from "node:fs";
import { parseDemandCsv } from "../../app/cli/csv";
import { fromDay, toDay, weekday } from "../../app/forecasting/dates";
import type { SeriesInput } from "../../app/forecasting/types";

export const REAL_DATA = new URL("../../../shared/data/online-retail/daily_units.csv", import.meta.url);

import { prng as rng } from "../support/random";

export { rng };

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export function loadRealSeries(path: URL | string = REAL_DATA): SeriesInput[] {
  return parseDemandCsv(readFileSync(path, "utf8")).series;
}

export function deriveSeries(sources: readonly SeriesInput[], count: number, days: number, seed = 20251125): SeriesInput[] {
  const r = rng(seed);
  // Derived series end on the same day as the real data, so holidays line up with real calendars.
  const end = toDay("2011-12-09");
  let start = end - days + 1;
  const startShift = (7 - weekday(start)) % 7; // first full Monday
  const out: SeriesInput[] = [];
  // Source Monday offsets with a full week inside the source.
  const mondays = sources.map((s) => {
    const s0 = toDay(s.start);
    const list: number[] = [];
    for (let j = 0; j + 7 <= s.values.length; j++) if (weekday(s0 + j) === 0) list.push(j);
    return list;
  });
  for (let k = 0; k < count; k++) {
    const si = Math.floor(r() * sources.length);
    const src = sources[si]!;
    const mons = mondays[si]!;
    const warp = 0.85 + 0.3 * r();
    const offset = Math.floor(r() * mons.length);
    const scale = Math.exp(0.5 * gauss(r));
    const values = new Array<number>(days);
    // Days before the first Monday copy the end of a source week.
    for (let t = 0; t < days; t++) {
      const w = Math.floor((t - startShift) / 7);
      const dow = (((t - startShift) % 7) + 7) % 7;
      const wi = (((Math.floor(w * warp) + offset) % mons.length) + mons.length) % mons.length;
      const v = Number(src.values[mons[wi]! + dow]);
      values[t] = v > 0 ? Math.max(0, Math.round(v * scale * Math.exp(0.15 * gauss(r)))) : 0;
    }
    out.push({ id: `S${String(k).padStart(5, "0")}`, start: fromDay(start), values });
  }
  start = 0;
  return out;
}
