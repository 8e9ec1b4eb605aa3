/** Amounts and dates as Stripe prints them on invoices, pages and line descriptions. */
const ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

export const minorUnits = (currency: string) => (ZERO_DECIMAL.includes(currency.toLowerCase()) ? 1 : 100);

export function formatAmount(amount: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / minorUnits(currency));
}

export function formatDate(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** Rounds half away from zero (Stripe rounds prorations and tax per line to the currency's minor unit). */
export function roundHalf(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value) + 1e-9);
}
