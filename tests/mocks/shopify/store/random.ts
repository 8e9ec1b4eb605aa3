/** Seeded randomness for the demo store: one PRNG per (seed, purpose, key), so parts are order-independent. */
import { prng } from "../../../support/random";

export { prng };

/** FNV-1a over the parts: a stable 32-bit sub-seed. */
export function subSeed(seed: number, ...parts: (string | number)[]): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of parts) {
    const text = `|${part}`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash >>> 0;
}

export function rngFor(seed: number, ...parts: (string | number)[]): () => number {
  return prng(subSeed(seed, ...parts));
}

/** An integer in [min, max]. */
export function intBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Rounds x up or down at random so that the expectation is x (keeps totals unbiased). */
export function stochasticRound(random: () => number, x: number): number {
  const floor = Math.floor(x);
  return floor + (random() < x - floor ? 1 : 0);
}

/** A multiplicative noise factor around 1 (log-normal-ish, sd ≈ `spread`). */
export function noiseFactor(random: () => number, spread: number): number {
  const gaussian = random() + random() + random() + random() - 2; // sd ≈ 0.577
  return Math.exp((gaussian / 0.577) * spread);
}
