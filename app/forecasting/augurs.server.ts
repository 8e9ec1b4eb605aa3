/**
 * Loads the augurs WASM modules (file I/O, hence outside the pure core) and returns the engine the
 * core's `mstl-ets` model calls. In Node the packages' default `init()` tries to fetch a file URL,
 * so we `initSync` with the bytes. Safe to call more than once per thread (memoised).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { MSTL, initSync as initMstl } from "@bsull/augurs/mstl";
import type { AugursEngine } from "./types";

let engine: AugursEngine | undefined;

function wasmPath(file: string): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@bsull/augurs/mstl")), file);
}

export function loadAugurs(): AugursEngine {
  if (engine) return engine;
  initMstl({ module: readFileSync(wasmPath("mstl_bg.wasm")) });
  engine = {
    mstlEts(y, periods, horizon) {
      const model = MSTL.ets(periods);
      try {
        model.fit(y);
        return Float64Array.from(model.predict(horizon).point);
      } catch {
        // AutoETS can fail to find a model on degenerate input: fall back to the last week's mean.
        let s = 0;
        const k = Math.min(7, y.length);
        for (let i = y.length - k; i < y.length; i++) s += y[i]!;
        return new Float64Array(horizon).fill(k > 0 ? s / k : 0);
      } finally {
        model.free();
      }
    },
  };
  return engine;
}
