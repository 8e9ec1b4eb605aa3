/**
 * MSTL decomposition (weekly, plus yearly with two seasons of history) with an AutoETS trend,
 * both from augurs (WASM). The engine is injected (see ../augurs.server.ts) so that this core
 * never touches the file system. Negative values are clipped: units cannot be negative.
 */

import type { ModelFn } from "./types";

export const mstlEts: ModelFn = (m) => {
  if (!m.augurs) throw new Error("mstl-ets needs an augurs engine");
  const periods = m.y.length >= 2 * 365 + 7 ? [7, 365] : [7];
  const f = m.augurs.mstlEts(m.y, periods, m.horizon);
  const out = new Float64Array(m.horizon);
  for (let i = 0; i < m.horizon; i++) {
    const v = f[i] ?? 0;
    // Keep closed weekdays at zero: MSTL's additive seasonality can leak a little onto them.
    const p = m.profile[(m.startDow + m.y.length + i) % 7]!;
    out[i] = p > 0 && v > 0 && Number.isFinite(v) ? v : 0;
  }
  return out;
};
