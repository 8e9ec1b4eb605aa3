/**
 * npm run bench:alerts [-- --variants 50000 --locations 2 --repeat 5 --seed 14]
 *
 * The pure alerts engine on one synthetic shop: `variants` variants, each with the all-locations advice row
 * ("0") and one row per location (50 000 × 3 = 150 000 rows by default), in a realistic mix (a few out of
 * stock, stockouts projected within 1–60 days, below the reorder point, slow and dead stock, healthy). The
 * rules are the defaults with low stock switched on, plus out-of-stock and low-stock rules for each location,
 * so every row is looked at by several rules.
 *
 * Prints the median (and slowest) wall time over `repeat` runs of:
 * - rule evaluation (`evaluate`) of day 1 and of day 2 (the same shop a day later: some variants sold out,
 *   some restocked);
 * - episode transitions (`transitions`) of day 2 against the episodes stored after day 1 — opens,
 *   escalations, resolutions and the unchanged majority — and of a duplicate evaluation of day 2.
 * Figures only; nothing is asserted. Record results in docs/performance.md.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { transitions, type Episode } from "../../app/alerts/episodes";
import { evaluate } from "../../app/alerts/evaluate";
import type { AlertSubject } from "../../app/alerts/model";
import { AlertRule, AlertSettings } from "../../app/alerts/rules";
import { addDays } from "../../app/forecasting";
import { prng } from "../support/random";

const { values } = parseArgs({
  options: {
    variants: { type: "string", default: "50000" },
    locations: { type: "string", default: "2" },
    repeat: { type: "string", default: "5" },
    seed: { type: "string", default: "14" },
  },
});
const VARIANTS = Number(values.variants);
const LOCATIONS = Number(values.locations);
const REPEAT = Math.max(1, Number(values.repeat));
const SHOP = "00000000-0000-4000-8000-000000000014";
const DAY1 = "2026-03-01";
const DAY2 = "2026-03-02";
const VENDORS = ["Acme", "Bolt", "Cobalt", "Delta", "Evergreen", "Fjord", "Granite", "Harbor"];
const TYPES = ["Shirts", "Hats", "Mugs", "Posters", "Socks", "Bags"];

/** One variant's rows for the day `asOf`; `shift` moves its stock (negative: sold more, positive: restocked). */
function variantRows(r: () => number, index: number, asOf: string, shift: number): AlertSubject[] {
  const price = Math.round((5 + r() * 95) * 100) / 100;
  const roll = r();
  const dailyMean = roll < 0.1 ? 0 : 0.05 + r() * 6;
  const leadTimeDays = [7, 14, 21, 30][Math.floor(r() * 4)]!;
  const reorderPoint = dailyMean * leadTimeDays * 1.3;
  // Stock in days of cover: out of stock, days to weeks, months.
  const coverRoll = r();
  const cover = coverRoll < 0.03 ? 0 : coverRoll < 0.25 ? 1 + r() * 30 : coverRoll < 0.45 ? 30 + r() * 60 : 90 + r() * 400;
  const total = Math.max(0, Math.round((dailyMean > 0 ? dailyMean * cover : 5 + r() * 50) + shift));
  const lastSaleDay = dailyMean > 0 ? addDays(asOf, -Math.floor(r() * 5)) : r() < 0.9 ? addDays(asOf, -Math.floor(30 + r() * 500)) : null;
  const abc = r() < 0.2 ? "A" : r() < 0.5 ? "B" : "C";
  const row = (locationId: string, available: number, share: number): AlertSubject => {
    const mean = dailyMean * share;
    const out = available <= 0 && mean > 0;
    const daysOfCover = mean > 0 ? available / mean : null;
    return {
      variantId: String(1_000_000 + index),
      productId: String(500_000 + Math.floor(index / 3)),
      locationId,
      productTitle: `Product ${Math.floor(index / 3)}`,
      variantTitle: `Variant ${index % 3}`,
      sku: `SKU-${index}`,
      vendor: VENDORS[index % VENDORS.length]!,
      productType: TYPES[index % TYPES.length]!,
      abcClass: abc,
      price,
      available,
      dailyMean: mean,
      daysOfCover: out ? 0 : daysOfCover,
      stockoutDate: !out && daysOfCover !== null && daysOfCover < 90 ? addDays(asOf, Math.max(1, Math.ceil(daysOfCover))) : null,
      reorderPoint: reorderPoint * share,
      reorderQty: available <= reorderPoint * share ? Math.ceil(reorderPoint * share * 2 - available) : 0,
      leadTimeDays,
      risk: out ? "out_of_stock" : lastSaleDay === null ? "no_data" : dailyMean === 0 ? "dead" : "ok",
      lastSaleDay,
      stockValue: Math.round(price * Math.max(0, available) * 100) / 100,
      outOfStockSince: out ? addDays(asOf, -Math.floor(r() * 10)) : null,
      sinceEstimated: out,
      lostUnitsPerDay: out ? mean : 0,
      lostUnitsToDate: out ? mean * 5 : 0,
      lostRevenuePerDay: out ? Math.round(mean * price * 100) / 100 : 0,
      lostRevenueToDate: out ? Math.round(mean * price * 500) / 100 : 0,
    };
  };
  const rows = [row("0", total, 1)];
  let left = total;
  for (let l = 1; l <= LOCATIONS; l++) {
    const here = l === LOCATIONS ? left : Math.floor(total * r());
    left -= here;
    rows.push(row(String(70 + l), here, 1 / LOCATIONS));
  }
  return rows;
}

/** The shop on `asOf`: same seed → same variants; day 2 moves about 15 % of the variants' stock. */
function shop(asOf: string, day: number): AlertSubject[] {
  const rows: AlertSubject[] = [];
  const change = prng(Number(values.seed) + 1000 * day);
  for (let i = 0; i < VARIANTS; i++) {
    const c = change();
    const shift = day === 1 || c > 0.15 ? 0 : c < 0.1 ? -8 : 40;
    rows.push(...variantRows(prng(Number(values.seed) * 1_000_003 + i), i, asOf, shift));
  }
  return rows;
}

function time<T>(fn: () => T): { result: T; median: number; max: number } {
  const times: number[] = [];
  let result = fn();
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { result, median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! };
}

const ms = (t: { median: number; max: number }) => `median ${t.median.toFixed(1)} ms (max ${t.max.toFixed(1)} ms)`;

const locationIds = Array.from({ length: LOCATIONS }, (_, l) => String(71 + l));
const rules = [
  ...AlertSettings.parse({}).rules.map((r) => (r.type === "low_stock" ? { ...r, enabled: true } : r)),
  AlertRule.parse({ id: "oos-per-location", type: "out_of_stock", scope: { locationIds } }),
  AlertRule.parse({ id: "low-per-location", type: "low_stock", belowUnits: 3, belowDaysOfCover: 10, scope: { locationIds } }),
];

console.log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} cores, Node ${process.version}`);
const day1 = shop(DAY1, 1);
const day2 = shop(DAY2, 2);
console.log(
  `shop: ${VARIANTS} variants × ${LOCATIONS + 1} rows (all locations + ${LOCATIONS}) = ${day1.length} advice rows, ${rules.length} rules`,
);

const eval1 = time(() => evaluate(rules, day1, { shopId: SHOP, asOf: DAY1, forecastFailure: null }));
const eval2 = time(() => evaluate(rules, day2, { shopId: SHOP, asOf: DAY2, forecastFailure: null }));
const byType = new Map<string, number>();
for (const f of eval2.result) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
console.log(`rule evaluation, day 1: ${ms(eval1)} → ${eval1.result.length} findings`);
console.log(
  `rule evaluation, day 2: ${ms(eval2)} → ${eval2.result.length} findings (${[...byType].map(([t, n]) => `${t} ${n}`).join(", ")})`,
);

const stored: Episode[] = transitions([], eval1.result, DAY1).map((t) => t.episode);
const trans = time(() => transitions(stored, eval2.result, DAY2));
const kinds = new Map<string, number>();
for (const t of trans.result) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
console.log(
  `episode transitions, day 2 over ${stored.length} stored episodes: ${ms(trans)} → ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}, ${trans.result.filter((t) => t.notify).length} to notify`,
);

const after = trans.result.map((t) => t.episode);
const again = time(() => transitions(after, eval2.result, DAY2));
console.log(
  `episode transitions, day 2 evaluated again: ${ms(again)} → ${again.result.filter((t) => t.changed).length} changed, ${again.result.filter((t) => t.notify).length} to notify`,
);
console.log(`one shop's night (evaluate + transitions, medians): ${(eval2.median + trans.median).toFixed(1)} ms`);
