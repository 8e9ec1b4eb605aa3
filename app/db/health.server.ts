/** Readiness for /healthz and /metrics: does the database answer a query? */
import { pool } from "./pool.server";

/**
 * How long a probe waits for the answer. A server that is down refuses at once; one that hangs (frozen, or behind
 * a network that drops packets) would otherwise hold the probe until TCP gives up, minutes later, and an
 * orchestrator's probe would time out instead of reading a 503.
 */
const PING_TIMEOUT_MS = 2000;

export async function pingDatabase(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      pool()
        .query("SELECT 1")
        .then(
          () => true,
          () => false,
        ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
