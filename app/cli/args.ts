/** Command-line flags shared by `npm run forecast` and `npm run backtest`. */
import { parseArgs } from "node:util";
import { isKnownCountry } from "../forecasting";

export type Fail = (message: string) => never;

/** A failure prints `command: message` on stderr and exits with code 1. */
export function failer(command: string): Fail {
  return (message) => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(1);
  };
}

/** String flags only; an unknown flag or a missing value fails with the usage line. */
export function readFlags(flags: readonly string[], usage: string, fail: Fail): Record<string, string | undefined> {
  try {
    const { values } = parseArgs({ options: Object.fromEntries(flags.map((flag) => [flag, { type: "string" as const }])), strict: true });
    return values as Record<string, string | undefined>;
  } catch (e) {
    return fail(`${(e as Error).message}\n${usage}`);
  }
}

export function horizonFlag(value: string, max: number, fail: Fail): number {
  const horizon = Number(value);
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > max) fail(`--horizon must be an integer between 1 and ${max}, got "${value}"`);
  return horizon;
}

export function countryFlag(value: string | undefined, fail: Fail): string | undefined {
  const country = value?.toUpperCase();
  if (country && !isKnownCountry(country)) fail(`unknown --country "${value}" (use an ISO 3166 code such as GB, US, DE)`);
  return country;
}
