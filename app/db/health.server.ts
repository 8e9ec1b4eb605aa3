/** Readiness for /healthz and /metrics: does the database answer a query? */
import { pool } from "./pool.server";

export async function pingDatabase(): Promise<boolean> {
  try {
    await pool().query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}
