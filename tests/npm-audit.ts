/**
 * `npm run audit:prod`, and a step of `npm test`: npm's advisory check of the production dependencies
 * (`npm audit --omit=dev`). Prints one summary line per severity and the packages at high or critical;
 * exits 1 when any production dependency has a high or critical advisory.
 *
 * The advisory service is a POST to the registry. Where the machine cannot reach it (this workplace lets
 * only package downloads through), the check says so in one line and does not fail the run: an unreachable
 * service is not a finding, and a test run must not depend on the network. The line names the cause, so a
 * run that skipped the check is never mistaken for a clean one.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { z } from "zod";

const SEVERITIES = ["info", "low", "moderate", "high", "critical"] as const;
const FAILING = new Set<string>(["high", "critical"]);

const Report = z.object({
  vulnerabilities: z.record(z.string(), z.object({ severity: z.enum(SEVERITIES), range: z.string().optional() })),
  metadata: z.object({
    vulnerabilities: z.object(
      Object.fromEntries(SEVERITIES.map((s) => [s, z.number()])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>,
    ),
    dependencies: z.object({ prod: z.number().optional(), total: z.number().optional() }).passthrough(),
  }),
});
const Failure = z.object({ message: z.string().optional(), statusCode: z.number().optional() });

const root = path.resolve(import.meta.dirname, "..");
const output = await new Promise<string>((resolve, reject) => {
  const child = spawn("npm", ["audit", "--omit=dev", "--json"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.once("error", reject);
  child.once("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
});

let json: unknown;
try {
  json = JSON.parse(output);
} catch {
  json = null;
}
const report = Report.safeParse(json);
if (!report.success) {
  const failure = Failure.safeParse(json);
  const cause = failure.success ? (failure.data.message ?? `status ${failure.data.statusCode ?? "unknown"}`) : "no JSON report";
  console.log(`npm audit --omit=dev: not checked, the advisory service could not be asked (${cause})`);
  process.exit(0);
}

const counts = report.data.metadata.vulnerabilities;
const prod = report.data.metadata.dependencies.prod;
console.log(
  `npm audit --omit=dev${prod === undefined ? "" : ` (${prod} production packages)`}: ` +
    SEVERITIES.map((s) => `${counts[s]} ${s}`)
      .reverse()
      .join(", "),
);
const failing = Object.entries(report.data.vulnerabilities).filter(([, v]) => FAILING.has(v.severity));
for (const [name, v] of failing) console.log(`  ${v.severity}: ${name}${v.range ? ` (${v.range})` : ""}`);
process.exit(failing.length > 0 ? 1 : 0);
