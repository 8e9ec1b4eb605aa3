/**
 * Shop-level context measured across all series of a shop: the weekday pattern (a weekday the
 * whole shop never trades on gets factor 0), days on which the whole shop sold nothing although it
 * normally trades (closures: censored, not zero demand), and the effect of public holidays (0 when
 * the shop was closed on at least two thirds of its past holidays).
 */

import { fromDay, toDay, weekday } from "./dates";
import { holidaysBetween } from "./holidays";
import type { ForecastOptions, SeriesInput, ShopContext } from "./types";

/** A weekday with under this share of an average day's units counts as closed. */
const CLOSED_WEEKDAY_SHARE = 0.02;
const MIN_SERIES_FOR_CLOSURES = 5;

export function buildShopContext(series: readonly SeriesInput[], options: Pick<ForecastOptions, "country" | "region">): ShopContext {
  let first = Infinity;
  let last = -Infinity;
  const starts: number[] = [];
  for (const s of series) {
    const d = toDay(s.start);
    starts.push(d);
    first = Math.min(first, d);
    last = Math.max(last, d + s.values.length - 1);
  }
  if (!Number.isFinite(first)) return { weekdayProfile: [1, 1, 1, 1, 1, 1, 1], closedDates: [], holidayFactor: 1 };
  const len = last - first + 1;
  const agg = new Float64Array(len);
  const active = new Uint32Array(len);
  series.forEach((s, k) => {
    const off = starts[k]! - first;
    for (let i = 0; i < s.values.length; i++) {
      const v = Number(s.values[i]);
      const st = s.inStock?.[i];
      if (v !== v || st === 0 || st === false) continue;
      agg[off + i] = agg[off + i]! + v;
      active[off + i] = active[off + i]! + 1;
    }
  });
  const wsum = new Float64Array(7);
  const wcnt = new Float64Array(7);
  let tot = 0;
  let cnt = 0;
  for (let i = 0; i < len; i++) {
    if (active[i] === 0) continue;
    const w = weekday(first + i);
    wsum[w] = wsum[w]! + agg[i]!;
    wcnt[w] = wcnt[w]! + 1;
    tot += agg[i]!;
    cnt++;
  }
  const m = cnt > 0 ? tot / cnt : 0;
  const profile: number[] = [];
  for (let w = 0; w < 7; w++) {
    const f = wcnt[w]! > 0 && m > 0 ? wsum[w]! / wcnt[w]! / m : 1;
    profile.push(f < CLOSED_WEEKDAY_SHARE ? 0 : f);
  }
  const ps = profile.reduce((a, b) => a + b, 0);
  for (let w = 0; w < 7; w++) profile[w] = ps > 0 ? (profile[w]! * 7) / ps : 1;

  // Closures: zero across the shop on a weekday it trades on, with enough series active.
  const closed = new Set<number>();
  if (series.length >= MIN_SERIES_FOR_CLOSURES && m > 0) {
    for (let i = 0; i < len; i++) {
      const w = weekday(first + i);
      if (profile[w]! > 0 && agg[i] === 0 && active[i]! >= MIN_SERIES_FOR_CLOSURES) closed.add(first + i);
    }
  }

  // Holiday effect: units on past holidays vs. the shop's usual level for that weekday (trailing 28 days).
  let holidayFactor = 1;
  if (options.country && m > 0) {
    let a = 0;
    let e = 0;
    let seen = 0;
    let shut = 0;
    for (const h of holidaysBetween(options.country, first, last, options.region)) {
      const i = h.day - first;
      const w = weekday(h.day);
      if (profile[w] === 0 || active[i] === 0) continue;
      seen++;
      if (closed.has(h.day)) shut++;
      let s = 0;
      let c = 0;
      for (let j = Math.max(0, i - 28); j < i; j++) {
        if (active[j] === 0 || closed.has(first + j)) continue;
        const pj = profile[weekday(first + j)]!;
        if (pj > 0) {
          s += agg[j]! / pj;
          c++;
        }
      }
      if (c < 7) continue;
      a += agg[i]!;
      e += (s / c) * profile[w]!;
    }
    // A shop that was closed on most past holidays (2+) is closed on holidays: factor 0.
    // Otherwise the measured ratio, shrunk toward "no effect" with the weight of two average days.
    if (seen >= 2 && shut / seen >= 2 / 3) holidayFactor = 0;
    else if (e > 0) holidayFactor = Math.min(3, Math.max(0, (a + 2 * m) / (e + 2 * m)));
  }
  return { weekdayProfile: profile, closedDates: [...closed].sort((x, y) => x - y).map(fromDay), holidayFactor };
}
