import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// Prisma's native engines cannot be downloaded here, so the CLI runs on its bundled JS/Wasm engine.
// Only `prisma generate` and `prisma migrate diff` are used (docs/decisions/0002-migrations.md);
// the adapter is opened only by `migrate diff`, against the scratch database that
// `npm run db:new-migration` points DATABASE_URL at.
// The schema's datasource names env("DATABASE_URL"), which `prisma generate` resolves although it never
// connects: give it a harmless placeholder when none is set (fresh clone, npm install).
process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:54329/fluxor";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => {
    const url = new URL(process.env.DATABASE_URL ?? "");
    return new PrismaPg({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
      idleTimeoutMillis: 1,
      allowExitOnIdle: true,
    });
  },
});
