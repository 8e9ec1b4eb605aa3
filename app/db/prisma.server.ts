import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";

/**
 * The Prisma client, on PostgreSQL through the pg driver adapter (Prisma's JS engine: no native engine
 * download). DATABASE_URL is set by the process entry point (app/db/boot.server.ts) before any route
 * module loads; which server it points at is app/db/postgres.server.ts's business. Which code uses it and
 * which uses the pg pool (app/db/pool.server.ts): "Prisma or SQL" in docs/ARCHITECTURE.md.
 */
function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: start the app through app/db/boot.server.ts");
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) }) });
}

declare global {
  // Survives module reloads in `remix dev`.
  var fluxorPrisma: PrismaClient | undefined;
}

let client: PrismaClient | undefined;

/** The process's Prisma client, created on first use (importing a module that uses it needs no database). */
export function prisma(): PrismaClient {
  client ??= globalThis.fluxorPrisma ?? createClient();
  if (process.env.NODE_ENV !== "production") globalThis.fluxorPrisma = client;
  return client;
}

/** Closes the client's connections, if it was ever created. */
export async function disconnectPrisma(): Promise<void> {
  const current = client;
  client = undefined;
  globalThis.fluxorPrisma = undefined;
  await current?.$disconnect();
}
