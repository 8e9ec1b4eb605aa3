/**
 * Exchange rates for DISPLAY only (prices are charged in USD: `CATALOGUE.chargeCurrency`). The operator sets
 * current rates with `FLUXOR_FX_RATES` (JSON in the `ExchangeRates` shape: `{ "base": "USD", "asOf": ISO,
 * "rates": { "EUR": 0.92, … } }`); without it, a bundled snapshot of approximate rates is used, and every
 * converted price is shown as approximate ("≈") next to the USD amount that is charged.
 */
import { ExchangeRates } from "./plans";

/** Approximate USD reference rates (units per 1 USD), rounded; replace with `FLUXOR_FX_RATES` in production. */
const SNAPSHOT: ExchangeRates = ExchangeRates.parse({
  base: "USD",
  asOf: "2026-11-30T00:00:00Z",
  rates: {
    EUR: 0.86,
    GBP: 0.76,
    CAD: 1.4,
    AUD: 1.53,
    NZD: 1.75,
    JPY: 155,
    CHF: 0.8,
    SEK: 9.5,
    NOK: 10.1,
    DKK: 6.45,
    MXN: 18.4,
    BRL: 5.35,
    INR: 88.5,
  },
});

function fromEnv(json: string | undefined): ExchangeRates {
  if (!json?.trim()) return SNAPSHOT;
  return ExchangeRates.parse(JSON.parse(json));
}

export const FX_RATES: ExchangeRates = fromEnv(process.env.FLUXOR_FX_RATES);
