/**
 * First thing every process does: get a database (the configured one, or the embedded one),
 * apply pending migrations, and publish DATABASE_URL for the modules that load after it.
 */
import { migrate } from "../db/migrate.server";
import { openDatabase, type DatabaseHandle, type EmbeddedOptions } from "../db/postgres.server";

export async function bootDatabase(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  const database = await openDatabase(options);
  try {
    await migrate(database.url);
  } catch (error) {
    await database.stop();
    throw error;
  }
  process.env.DATABASE_URL = database.url;
  return database;
}
