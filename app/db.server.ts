import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";

/**
 * The Prisma client, on PostgreSQL through the pg driver adapter (Prisma's JS engine: no native engine
 * download). DATABASE_URL is set by the process entry point (app/server/boot.server.ts) before any route
 * module loads; which server it points at is app/db/postgres.server.ts's business.
 */
function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: start the app through app/server/boot.server.ts");
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) }) });
}

declare global {
  // Survives module reloads in `remix dev`.
  var fluxorPrisma: PrismaClient | undefined;
}

const prisma: PrismaClient = globalThis.fluxorPrisma ?? createClient();
if (process.env.NODE_ENV !== "production") globalThis.fluxorPrisma = prisma;

export default prisma;
