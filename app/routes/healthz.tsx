import db from "../db.server";

/** Liveness and readiness: answers 200 when the database answers, 503 otherwise. */
export const loader = async () => {
  const started = Date.now();
  try {
    await db.$queryRaw`SELECT 1`;
    return Response.json(
      { ok: true, database: { ok: true, latencyMs: Date.now() - started } },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch {
    return Response.json({ ok: false, database: { ok: false } }, { status: 503, headers: { "Cache-Control": "no-store" } });
  }
};
