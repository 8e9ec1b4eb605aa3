/**
 * Writes the demo store's daily demand and its promotion days as files for `npm run backtest -- --signals`
 * (docs/forecasting.md, "Promotions"):
 *
 *   npx tsx tests/demo/backtest-data.ts --out DIR [--seed 42] [--today 2026-11-25] [--others 40]
 *
 * DIR/daily_units.csv: series_id (product id), date, units — the promoted products and the first `--others` products
 * never promoted; DIR/promotions.csv: series_id, date, signal (promotion), value (the discount's depth, 0–1).
 * The demo store is built exactly as the stand-in builds it (tests/mocks/shopify/store/demo-store.ts); its promotions'
 * effect on sales is simulated (tests/mocks/shopify/README.md, Promotions).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildDemoStore } from "../mocks/shopify/store/demo-store";

const { values } = parseArgs({
  options: { out: { type: "string" }, seed: { type: "string" }, today: { type: "string" }, others: { type: "string" } },
  strict: true,
});
if (!values.out) {
  process.stderr.write("usage: npx tsx tests/demo/backtest-data.ts --out DIR [--seed 42] [--today YYYY-MM-DD] [--others 40]\n");
  process.exit(2);
}
const seed = Number(values.seed ?? 42);
const today = new Date(`${values.today ?? "2026-11-25"}T12:00:00Z`);
const others = Number(values.others ?? 40);
const store = buildDemoStore({ domain: "hollow-oak-gifts.myshopify.com", seed, today });
const day = (index: number) => new Date(Date.parse(`${store.historyStart}T00:00:00Z`) + index * 86_400_000).toISOString().slice(0, 10);

const depth = new Map(store.promotions.discounts.map((d) => [d.id, (d.percentOff ?? 100) / 100]));
const promoted = new Set(store.promotions.promotions.filter((p) => p.uplift !== null).flatMap((p) => p.productIds));
const chosen = [...store.products.filter((p) => promoted.has(p.id)), ...store.products.filter((p) => !promoted.has(p.id)).slice(0, others)];

const demand = ["series_id,date,units"];
for (const product of chosen) for (let d = 0; d < store.historyDays; d++) demand.push(`${product.id},${day(d)},${product.daily[d] ?? 0}`);
const signals = ["series_id,date,signal,value"];
for (const promotion of store.promotions.promotions) {
  if (promotion.uplift === null) continue;
  for (let t = Date.parse(`${promotion.startDay}T00:00:00Z`); t <= Date.parse(`${promotion.endDay}T00:00:00Z`); t += 86_400_000)
    for (const id of promotion.productIds)
      signals.push(`${id},${new Date(t).toISOString().slice(0, 10)},promotion,${depth.get(promotion.discountId) ?? 1}`);
}
mkdirSync(values.out, { recursive: true });
writeFileSync(path.join(values.out, "daily_units.csv"), demand.join("\n") + "\n");
writeFileSync(path.join(values.out, "promotions.csv"), signals.join("\n") + "\n");
process.stdout.write(
  `${chosen.length} series (${promoted.size} promoted, ${chosen.length - promoted.size} never promoted), ${store.historyDays} days from ${store.historyStart}\n` +
    store.promotions.promotions
      .map(
        (p) =>
          `  ${p.startDay}..${p.endDay}: ${p.productIds.length} products, uplift ${p.uplift === null ? "(scheduled)" : `×${p.uplift}`}`,
      )
      .join("\n") +
    "\n",
);
