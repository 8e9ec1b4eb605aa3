/**
 * The browser specs' door to the demo's database (base port + 3, tests/demo/stack.ts), for seeding, checking what
 * a page did and restoring what a spec changed. One short-lived connection per call: the specs run in another
 * process than the demo and must not hold its connections between steps.
 */
import pg from "pg";
import { urlFor } from "../../app/db/postgres.server";

const PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);
export const DEMO_DATABASE_URL = process.env.DATABASE_URL ?? urlFor(PORT + 3, "fluxor");

/** Runs `work` with a connected client, and closes it whatever happens. */
export async function withDemoDb<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DEMO_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The rows of one statement. */
export function demoQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return withDemoDb(async (client) => (await client.query<T>(text, values)).rows);
}
