/**
 * `npm run alerts:tick -- [--at 2026-12-07T08:05:00Z]`: queues the digest tick as of `--at` (default now) on
 * the database at DATABASE_URL; the running worker then sends the digests and weekly summaries due at that
 * instant in each shop's time zone. For an operator re-running a tick missed during an outage, and for the
 * demo, whose clock it moves forward (README: "Email alerts in the demo").
 */
import { closePool, pool } from "../db/pool.server";
import { alertsDigestTickJob } from "../jobs/contracts/alerts";
import { addJob } from "../jobs/queue.server";
import { failer, readFlags } from "./args";

const USAGE = "usage: npm run alerts:tick -- [--at <ISO 8601 instant>]   (DATABASE_URL: the app's database)";
const fail = failer("alerts:tick");
const flags = readFlags(["at"], USAGE, fail);
if (!process.env.DATABASE_URL) fail(`DATABASE_URL is not set (the demo prints it)\n${USAGE}`);
const at = flags.at ? new Date(flags.at) : new Date();
if (Number.isNaN(at.getTime())) fail(`--at must be an ISO 8601 instant, got "${flags.at}"`);
try {
  await addJob(pool(), alertsDigestTickJob, { now: at.toISOString() });
  console.log(`queued the digest tick as of ${at.toISOString()}: the worker sends what is due then`);
} finally {
  await closePool();
}
