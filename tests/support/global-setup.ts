/**
 * Integration tests run against a real PostgreSQL 17: a fresh embedded cluster per test run, in a
 * temporary folder on a free port, so that two runs (or a running demo) never share a database.
 * The migrations are applied once to a template database; each test file clones it (tests/support/db.ts).
 */
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { freePort } from "./ports";
import { migrate } from "../../app/db/migrate.server";
import { startEmbedded, urlFor } from "../../app/db/postgres.server";

export const TEMPLATE_DATABASE = "fluxor_template";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-test-pg-"));
  // Our own folder: let the postgres user (as root) enter it. If it still cannot (a temporary folder
  // inside a mode-700 one), startEmbedded puts the cluster where it can (decision 0036).
  chmodSync(dir, 0o755);
  const port = await freePort();
  // If it fails, Vitest prints the error as the reason the run could not start: one line naming the cause.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const database = await startEmbedded({ dataDir: path.join(dir, "data"), port, databaseName: TEMPLATE_DATABASE }).catch(
    (error: unknown) => {
      removeDir();
      throw error;
    },
  );
  try {
    await migrate(database.url);
  } catch (error) {
    await database.stop();
    removeDir();
    throw error;
  }
  // A template must have no open connections when it is cloned.
  const admin = new pg.Client({ connectionString: urlFor(port, "postgres") });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH IS_TEMPLATE true`);
  await admin.end();
  project.provide("postgresPort", port);
  return async () => {
    await database.stop();
    removeDir();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresPort: number;
  }
}
