/**
 * The one list of job handlers (app/server/jobs.server.ts): every job contract has exactly one handler and
 * nothing else is handled, the schedule names only handled jobs, and a queued job reaches the queue with
 * its contract's name, key, named queue and attempts.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseCronItems } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, sql } from "../support/db";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await (await import("../../app/db/pool.server")).closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db.drop();
});

async function contracts(): Promise<{ name: string }[]> {
  // Every file of app/jobs/contracts/, so a new domain's contracts are checked without editing this test.
  const dir = fileURLToPath(new URL("../../app/jobs/contracts/", import.meta.url));
  const files = readdirSync(dir).filter((file) => file.endsWith(".ts"));
  expect(files.length).toBeGreaterThanOrEqual(4);
  const modules: Record<string, unknown>[] = await Promise.all(files.map((file) => import(pathToFileURL(`${dir}${file}`).href)));
  return modules.flatMap((module) =>
    Object.values(module).filter((value): value is { name: string } => typeof value === "object" && value !== null && "payload" in value),
  );
}

describe("the job registry", () => {
  it("has exactly one handler per contract, and nothing else", async () => {
    const { jobHandlers } = await import("../../app/server/jobs.server");
    const { toTaskList } = await import("../../app/jobs/handler");
    const handled = jobHandlers().map((h) => h.name);
    expect([...handled].sort()).toEqual((await contracts()).map((c) => c.name).sort());
    expect(() => toTaskList(jobHandlers())).not.toThrow();
    const [first] = jobHandlers();
    expect(() => toTaskList([first!, first!])).toThrow(/two handlers/);
  });

  it("schedules only handled jobs, with parsable crons", async () => {
    const { cronItems, jobHandlers } = await import("../../app/server/jobs.server");
    const handled = new Set(jobHandlers().map((h) => h.name));
    for (const item of cronItems()) expect(handled.has(item.task)).toBe(true);
    expect(() => parseCronItems(cronItems())).not.toThrow();
  });

  it("queues a job with its contract's name, key, named queue and attempts, validating the payload first", async () => {
    const { pool } = await import("../../app/db/pool.server");
    const { addJob } = await import("../../app/jobs/queue.server");
    const { syncInitialJob } = await import("../../app/jobs/contracts/sync");
    await addJob(pool(), syncInitialJob, { shop: "queue-test.myshopify.com" });
    await addJob(pool(), syncInitialJob, { shop: "queue-test.myshopify.com", restart: true });
    await expect(addJob(pool(), syncInitialJob, { shop: "not a shop" })).rejects.toThrow();
    const jobs = await sql<{ task_identifier: string; key: string; queue_name: string; max_attempts: number; payload: unknown }>(
      db.url,
      `SELECT t.identifier AS task_identifier, j.key, q.queue_name, j.max_attempts, j.payload
         FROM graphile_worker._private_jobs j
         JOIN graphile_worker._private_tasks t ON t.id = j.task_id
         LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id`,
    );
    // The same key replaced the queued job: one job, with the later payload.
    expect(jobs).toEqual([
      {
        task_identifier: "sync.initial",
        key: "sync.initial:queue-test.myshopify.com",
        queue_name: "sync:queue-test.myshopify.com",
        max_attempts: 12,
        payload: { shop: "queue-test.myshopify.com", restart: true },
      },
    ]);
  });
});
