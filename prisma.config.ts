import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

// prisma/orm#27403: the schema engine cannot read PostgreSQL's `name` (OID 19) and `"char"` (OID 18)
// columns through adapter-pg 6.19 when it describes a database (migrate diff --from-migrations).
// Both are text on the wire, so present them as text. Only the Prisma CLI loads this file.
type FieldDescription = { dataTypeID: number };
const resultPrototype = (pg as unknown as { Result: { prototype: { addFields(fields: FieldDescription[]): void } } }).Result.prototype;
const addFields = resultPrototype.addFields;
resultPrototype.addFields = function (this: unknown, fields: FieldDescription[]) {
  for (const field of fields) if (field.dataTypeID === 19 || field.dataTypeID === 18) field.dataTypeID = 25;
  addFields.call(this, fields);
};

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
  schema: "prisma/schema",
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
