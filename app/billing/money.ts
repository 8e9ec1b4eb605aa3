/**
 * Money and time primitives of the billing core. Amounts are integer minor units (USD cents unless a currency
 * says otherwise); every division goes through `mulDivHalfEven`, exact in BigInt, rounding ties to the even
 * neighbour (banker's rounding), so no amount ever passes through a binary fraction. Instants are ISO strings
 * normalised to UTC (`2026-01-15T10:00:00.000Z`); functions take the current time as a `Date`, never read a clock.
 */
import { z } from "zod";

/** A non-negative amount in minor units. */
export const Cents = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An ISO 8601 instant with an offset, normalised to UTC with milliseconds. */
export const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const MS_PER_DAY = 86_400_000;

function assertSafeInt(name: string, n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be a safe integer, got ${n}`);
}

/** round(a × b / d) with ties to even, exact for any safe integers (d > 0). */
export function mulDivHalfEven(a: number, b: number, d: number): number {
  assertSafeInt("a", a);
  assertSafeInt("b", b);
  assertSafeInt("d", d);
  if (d <= 0) throw new RangeError(`divisor must be positive, got ${d}`);
  const n = BigInt(a) * BigInt(b);
  const big = BigInt(d);
  let q = n / big; // truncates toward zero
  let r = n % big;
  if (r < 0n) {
    q -= 1n;
    r += big;
  }
  const twice = 2n * r;
  if (twice > big || (twice === big && q % 2n !== 0n)) q += 1n;
  const out = Number(q);
  assertSafeInt("result", out);
  return out;
}

/** Milliseconds since the epoch of a normalised instant. */
export function ms(instant: string): number {
  return Date.parse(instant);
}

export function iso(msSinceEpoch: number): string {
  return new Date(msSinceEpoch).toISOString();
}

/** Adds whole days (of 24 hours) to an instant. */
export function addDaysToInstant(instant: string, days: number): string {
  return iso(ms(instant) + days * MS_PER_DAY);
}
