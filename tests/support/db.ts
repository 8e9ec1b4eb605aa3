/**
 * A private database for one test file, cloned from the migrated template. Call before importing any
 * app module that reads DATABASE_URL.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { urlFor } from "../../app/db/postgres.server";

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const port = inject("postgresPort");
  const name = `fluxor_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: urlFor(port, "postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE fluxor_template`);
  await admin.end();
  const url = urlFor(port, name);
  process.env.DATABASE_URL = url;
  return {
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: urlFor(port, "postgres") });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
