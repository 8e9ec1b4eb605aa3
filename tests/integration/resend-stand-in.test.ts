/**
 * The local Resend stand-in, exercised by the REAL `resend` SDK over HTTP: sending, batches, idempotency keys,
 * validation, the 2 requests/s rate limit, injected failures, the domains API, signed webhooks checked with the
 * SDK's own `webhooks.verify`, and the inbox. The stand-in runs on a clock the test moves: every API call starts a
 * new rate-limit second unless a test says otherwise, and nothing waits on real time.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Resend, type CreateEmailOptions, type WebhookEventPayload } from "resend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newWebhookSecret, startResendStandIn, type ResendStandIn } from "../mocks/resend";

const KEY = "re_test_fluxor_stand_in";
const OTHER_KEY = "re_test_other_team";
const SECRET = newWebhookSecret();
const FROM = "Fluxor <alerts@fluxor.test>";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let now = Date.now();
let standIn: ResendStandIn;
let client: Resend;
let receiver: Server;

interface Received {
  status: number;
  webhookId: string;
  event?: WebhookEventPayload;
  error?: string;
}
const received: Received[] = [];
/** How many more verified webhooks the receiver answers with 500 (retry tests). */
let failDeliveries = 0;

/** The SDK client, in a fresh rate-limit second of the stand-in's clock. */
function resend(): Resend {
  now += 1000;
  return client;
}

function email(overrides: Partial<CreateEmailOptions> = {}): CreateEmailOptions {
  return {
    from: FROM,
    to: "merchant@hollow-oak-gifts.test",
    subject: "3 best sellers are out of stock",
    html: '<h1>Out of stock</h1><p><a href="https://fluxor.test/app/variants/1">Open in Fluxor</a></p>',
    text: "Out of stock\n\nOpen in Fluxor: https://fluxor.test/app/variants/1",
    headers: {
      "List-Unsubscribe": "<https://fluxor.test/unsubscribe/t0ken>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    ...overrides,
  } as CreateEmailOptions;
}

/** A request body the SDK's types would not allow (the API must refuse it all the same). */
const malformed = (fields: Record<string, unknown>) => fields as unknown as CreateEmailOptions;

const eventsFor = (id: string) =>
  received.filter((entry) => entry.event && "email_id" in entry.event.data && entry.event.data.email_id === id);

beforeAll(async () => {
  const verifier = new Resend(KEY);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const header = (name: string) => String(req.headers[name] ?? "");
      const entry: Received = { status: 200, webhookId: header("svix-id") };
      try {
        entry.event = verifier.webhooks.verify({
          payload: Buffer.concat(chunks).toString("utf8"),
          headers: { id: header("svix-id"), timestamp: header("svix-timestamp"), signature: header("svix-signature") },
          webhookSecret: SECRET,
        });
        if (failDeliveries > 0) {
          failDeliveries -= 1;
          entry.status = 500;
        }
      } catch (error) {
        entry.status = 401;
        entry.error = (error as Error).message;
      }
      received.push(entry);
      res.writeHead(entry.status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  standIn = await startResendStandIn({
    apiKeys: [KEY, OTHER_KEY],
    webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/resend`, secret: SECRET },
    webhookRetryDelaysMs: [1, 1, 1],
    domains: [{ name: "fluxor.test" }, { name: "news.fluxor.test", status: "pending" }],
    clock: () => now,
  });
  client = new Resend(KEY, { baseUrl: standIn.url });
});

afterAll(async () => {
  await standIn.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("sending", () => {
  it("accepts an email, answers its id, and shows it through GET /emails/:id and the inbox", async () => {
    const sent = await resend().emails.send(email({ tags: [{ name: "alert", value: "out_of_stock" }] }));
    expect(sent.error).toBeNull();
    expect(sent.data?.id).toMatch(UUID);
    expect(sent.headers).toMatchObject({ "ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1" });
    const id = sent.data?.id ?? "";

    const got = await resend().emails.get(id);
    expect(got.data).toMatchObject({
      object: "email",
      id,
      from: FROM,
      to: ["merchant@hollow-oak-gifts.test"],
      subject: "3 best sellers are out of stock",
      last_event: "delivered",
      tags: [{ name: "alert", value: "out_of_stock" }],
    });

    const api = (await (await fetch(`${standIn.inboxUrl}/api/messages`)).json()) as { messages: Record<string, unknown>[] };
    expect(api.messages[0]).toMatchObject({
      id,
      to: ["merchant@hollow-oak-gifts.test"],
      subject: "3 best sellers are out of stock",
      text: expect.stringContaining("Open in Fluxor"),
      html: expect.stringContaining("<h1>Out of stock</h1>"),
      headers: { "List-Unsubscribe": "<https://fluxor.test/unsubscribe/t0ken>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      created_at: new Date(now - 1000).toISOString(),
    });
    const page = await (await fetch(`${standIn.inboxUrl}?id=${id}`)).text();
    expect(page).toContain("3 best sellers are out of stock");
    expect(page).toContain("List-Unsubscribe-Post");
    expect(page).toContain(`src="/inbox/messages/${id}/html"`);
    const html = await fetch(`${standIn.inboxUrl}/messages/${id}/html`);
    expect(html.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(await html.text()).toBe('<h1>Out of stock</h1><p><a href="https://fluxor.test/app/variants/1">Open in Fluxor</a></p>');
    const only = async (query: string) =>
      ((await (await fetch(`${standIn.inboxUrl}/api/messages?${query}`)).json()) as typeof api).messages;
    expect(await only("to=nobody@example.com")).toEqual([]);
    expect((await only("to=merchant@hollow-oak-gifts.test&limit=1")).map((message) => message.id)).toEqual([id]);
  });

  it("sends a batch of up to 100 emails, each validated (strict by default, or permissive)", async () => {
    const before = standIn.messages().length;
    const recipients = ["a@shop-one.test", "b@shop-two.test", "c@shop-three.test"];
    const batch = await resend().batch.send(recipients.map((to) => email({ to, subject: `Daily digest for ${to}` })));
    expect(batch.error).toBeNull();
    expect(batch.data?.data).toHaveLength(3);
    expect(
      standIn
        .messages()
        .slice(before)
        .map((message) => [message.to[0], message.batch]),
    ).toEqual(recipients.map((to) => [to, true]));

    const tooMany = await resend().batch.send(Array.from({ length: 101 }, (_, index) => email({ to: `m${index}@shop.test` })));
    expect(tooMany.error).toMatchObject({ statusCode: 422, name: "validation_error" });

    const mixed = [email(), email({ to: "not-an-address" }), email({ to: "ok@shop.test" })];
    const strict = await resend().batch.send(mixed);
    expect(strict.error).toMatchObject({ statusCode: 422, name: "validation_error", message: expect.stringContaining("emails[1]") });
    expect(standIn.messages()).toHaveLength(before + 3);

    const permissive = await resend().batch.send(mixed, { batchValidation: "permissive" });
    expect(permissive.data?.data).toHaveLength(2);
    expect(permissive.data && "errors" in permissive.data ? permissive.data.errors : []).toEqual([
      { index: 1, message: expect.stringContaining("Invalid `to` field") },
    ]);
    expect(standIn.messages()).toHaveLength(before + 5);
  });

  it("refuses bad input with Resend's status, name and message, and stores nothing", async () => {
    const before = standIn.messages().length;
    const cases: [CreateEmailOptions, number, string, string][] = [
      [malformed({ from: FROM, subject: "x", html: "<p>x</p>" }), 422, "missing_required_field", "Missing `to` field."],
      [malformed({ to: "a@shop.test", subject: "x", html: "<p>x</p>" }), 422, "missing_required_field", "Missing `from` field."],
      [malformed({ from: FROM, to: "a@shop.test", html: "<p>x</p>" }), 422, "missing_required_field", "Missing `subject` field."],
      [malformed({ from: FROM, to: "a@shop.test", subject: "x" }), 422, "missing_required_field", "Missing `html` or `text` field."],
      [email({ to: "merchant@" }), 422, "validation_error", "Invalid `to` field."],
      [email({ to: ["ok@shop.test", "Bad <no-at-sign>"] }), 422, "validation_error", "Invalid `to` field."],
      [email({ from: "alerts" }), 422, "validation_error", "Invalid `from` field."],
      [
        email({ to: Array.from({ length: 51 }, (_, index) => `r${index}@shop.test`) }),
        422,
        "validation_error",
        "maximum number of recipients is 50",
      ],
      [email({ tags: [{ name: "has space", value: "x" }] }), 422, "validation_error", "Invalid `tags` field."],
      [email({ from: "Fluxor <alerts@other.test>" }), 403, "validation_error", "The other.test domain is not verified"],
      [email({ from: "Fluxor <alerts@news.fluxor.test>" }), 403, "validation_error", "The news.fluxor.test domain is not verified"],
    ];
    for (const [payload, statusCode, name, message] of cases) {
      const answer = await resend().emails.send(payload);
      expect(answer.data).toBeNull();
      expect(answer.error).toEqual({ statusCode, name, message: expect.stringContaining(message) });
    }
    expect(standIn.messages()).toHaveLength(before);

    now += 1000;
    const anonymous = await fetch(`${standIn.url}/emails`, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, name: "missing_api_key" });
    now += 1000;
    const wrongKey = await new Resend("re_not_a_key_of_ours", { baseUrl: standIn.url }).emails.send(email());
    expect(wrongKey.error).toMatchObject({ statusCode: 403, name: "invalid_api_key" });
    expect((await resend().emails.get("d9f2c8c4-0000-4000-8000-000000000000")).error).toMatchObject({ statusCode: 404, name: "not_found" });
    expect((await resend().emails.get("not-a-uuid")).error).toMatchObject({ statusCode: 422, name: "invalid_parameter" });
  });
});

describe("idempotency keys", () => {
  it("answers a retry with the first id and sends once; another body is 409; so is a retry while the first is running", async () => {
    const key = "alert/out-of-stock/variant-1/episode-1";
    const first = await resend().emails.send(email(), { idempotencyKey: key });
    const retry = await resend().emails.send(email(), { idempotencyKey: key });
    expect(retry.data?.id).toBe(first.data?.id);
    expect(standIn.messages().filter((message) => message.idempotency_key === key)).toHaveLength(1);

    const other = await resend().emails.send(email({ subject: "Something else" }), { idempotencyKey: key });
    expect(other.error).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });

    const gate = standIn.faults.hold();
    const running = resend().emails.send(email(), { idempotencyKey: "digest/2026-03-15" });
    await gate.reached;
    const concurrent = await resend().emails.send(email(), { idempotencyKey: "digest/2026-03-15" });
    expect(concurrent.error).toMatchObject({ statusCode: 409, name: "concurrent_idempotent_requests" });
    gate.release();
    expect((await running).data?.id).toMatch(UUID);

    const tooLong = await resend().emails.send(email(), { idempotencyKey: "k".repeat(257) });
    expect(tooLong.error).toMatchObject({ statusCode: 400, name: "invalid_idempotency_key" });
  });

  it("makes a lost answer safe to retry: the email was sent once and the retry gets its id", async () => {
    const before = standIn.messages().length;
    standIn.faults.loseNextResponses(1);
    const lost = await resend().emails.send(email(), { idempotencyKey: "alert/lost-answer" });
    expect(lost.error).toMatchObject({ statusCode: null, name: "application_error" });
    const retry = await resend().emails.send(email(), { idempotencyKey: "alert/lost-answer" });
    expect(standIn.messages()).toHaveLength(before + 1);
    expect(retry.data?.id).toBe(standIn.messages().at(-1)?.id);
  });

  it("keeps a key for batches too, and frees a key whose request was refused or failed", async () => {
    const batch = [email({ to: "a@shop.test" }), email({ to: "b@shop.test" })];
    const first = await resend().batch.send(batch, { idempotencyKey: "digest-batch/1" });
    const again = await resend().batch.send(batch, { idempotencyKey: "digest-batch/1" });
    expect(again.data).toEqual(first.data);

    standIn.faults.failNext(1, 500);
    expect((await resend().emails.send(email(), { idempotencyKey: "alert/after-outage" })).error).toMatchObject({ statusCode: 500 });
    expect((await resend().emails.send(email({ to: "bad" }), { idempotencyKey: "alert/after-outage" })).error).toMatchObject({
      statusCode: 422,
    });
    expect((await resend().emails.send(email(), { idempotencyKey: "alert/after-outage" })).data?.id).toMatch(UUID);
  });

  it("forgets a key after 24 hours", async () => {
    let clock = Date.now();
    const local = await startResendStandIn({ clock: () => clock });
    try {
      const sdk = new Resend(KEY, { baseUrl: local.url });
      const first = await sdk.emails.send(email(), { idempotencyKey: "weekly-summary/2026-w11" });
      clock += 24 * 60 * 60 * 1000 - 1;
      expect((await sdk.emails.send(email(), { idempotencyKey: "weekly-summary/2026-w11" })).data?.id).toBe(first.data?.id);
      clock += 2;
      const later = await sdk.emails.send(email(), { idempotencyKey: "weekly-summary/2026-w11" });
      expect(later.data?.id).not.toBe(first.data?.id);
      expect(local.messages()).toHaveLength(2);
    } finally {
      await local.close();
    }
  });
});

describe("rate limit and failures", () => {
  it("answers the third request within a second with 429 and Resend's rate-limit headers; the next second passes", async () => {
    const sdk = resend();
    const first = await sdk.emails.send(email());
    expect(first.headers).toMatchObject({ "ratelimit-limit": "2", "ratelimit-remaining": "1" });
    const second = await sdk.domains.list();
    expect(second.headers).toMatchObject({ "ratelimit-remaining": "0" });
    const before = standIn.messages().length;
    const third = await sdk.emails.send(email());
    expect(third.error).toMatchObject({ statusCode: 429, name: "rate_limit_exceeded" });
    expect(third.headers).toMatchObject({ "retry-after": "1", "ratelimit-limit": "2", "ratelimit-remaining": "0", "ratelimit-reset": "1" });
    expect(standIn.messages()).toHaveLength(before);
    // Per API key: another key (another team) still has its two requests.
    expect((await new Resend(OTHER_KEY, { baseUrl: standIn.url }).emails.send(email())).error).toBeNull();
    now += 999;
    expect((await sdk.emails.send(email())).error).toMatchObject({ statusCode: 429 });
    now += 1;
    expect((await sdk.emails.send(email())).error).toBeNull();
  });

  it("injects 500, 503 and 429 answers and outages, and sends nothing meanwhile", async () => {
    const before = standIn.messages().length;
    standIn.faults.failNext(2, 500);
    expect((await resend().emails.send(email())).error).toMatchObject({ statusCode: 500, name: "internal_server_error" });
    expect((await resend().batch.send([email()])).error).toMatchObject({ statusCode: 500 });
    standIn.faults.failNext(1, 503);
    expect((await resend().emails.send(email())).error).toMatchObject({ statusCode: 503, name: "application_error" });
    standIn.faults.failNext(1, 429);
    const limited = await resend().emails.send(email());
    expect(limited.error).toMatchObject({ statusCode: 429, name: "rate_limit_exceeded" });
    expect(limited.headers).toMatchObject({ "retry-after": "1" });
    expect(standIn.messages()).toHaveLength(before);

    standIn.faults.outage(10_000);
    for (let second = 0; second < 9; second += 1) expect((await resend().emails.send(email())).error).toMatchObject({ statusCode: 503 });
    expect(standIn.messages()).toHaveLength(before);
    expect((await resend().emails.send(email())).error).toBeNull();
    expect(standIn.messages()).toHaveLength(before + 1);
  });

  it("takes faults and events over HTTP too (for the demo and browser tests in another process)", async () => {
    await fetch(`${standIn.inboxUrl}/api/faults`, { method: "POST", body: JSON.stringify({ failNext: { count: 1, status: 502 } }) });
    expect((await resend().emails.send(email())).error).toMatchObject({ statusCode: 502, name: "application_error" });
    const id = (await resend().emails.send(email())).data?.id ?? "";
    await standIn.webhooks.idle();
    const answer = await fetch(`${standIn.inboxUrl}/api/messages/${id}/events`, {
      method: "POST",
      body: JSON.stringify({ type: "email.opened" }),
    });
    expect(await answer.json()).toMatchObject({ status: 200, webhookId: expect.stringMatching(/^msg_/) });
    expect(standIn.message(id)?.last_event).toBe("opened");
    const form = await fetch(`${standIn.inboxUrl}/messages/${id}/events`, {
      method: "POST",
      body: new URLSearchParams({ type: "email.clicked" }),
      redirect: "manual",
    });
    expect(form.status).toBe(303);
    expect(standIn.message(id)?.last_event).toBe("clicked");
  });
});

describe("domains", () => {
  it("lists the account's domains and shows each one's SPF and DKIM records with their statuses", async () => {
    const list = await resend().domains.list();
    expect(list.data?.data.map((domain) => [domain.name, domain.status])).toEqual([
      ["fluxor.test", "verified"],
      ["news.fluxor.test", "pending"],
    ]);
    const id = standIn.domains.idOf("fluxor.test");
    const domain = await resend().domains.get(id);
    expect(domain.data).toMatchObject({ object: "domain", id, name: "fluxor.test", status: "verified", region: "us-east-1" });
    expect(domain.data?.records.map((record) => [record.record, record.type, record.name, record.status])).toEqual([
      ["SPF", "MX", "send", "verified"],
      ["SPF", "TXT", "send", "verified"],
      ["DKIM", "TXT", "resend._domainkey", "verified"],
    ]);

    standIn.domains.set({ name: "fluxor.test", records: { DKIM: "failed" } });
    const broken = await resend().domains.get(id);
    expect(broken.data?.status).toBe("partially_failed");
    expect(broken.data?.records.find((record) => record.record === "DKIM")?.status).toBe("failed");
    expect((await resend().emails.send(email())).error).toMatchObject({ statusCode: 403, name: "validation_error" });
    standIn.domains.set({ name: "fluxor.test", status: "verified" });
    expect((await resend().emails.send(email())).error).toBeNull();

    expect((await resend().domains.get("00000000-0000-4000-8000-000000000000")).error).toMatchObject({
      statusCode: 404,
      name: "not_found",
    });
  });
});

describe("webhooks", () => {
  it("posts signed email.sent then email.delivered after each email, which webhooks.verify accepts", async () => {
    const id = (await resend().emails.send(email())).data?.id ?? "";
    await standIn.webhooks.idle();
    const events = eventsFor(id);
    expect(events.map((entry) => [entry.status, entry.event?.type])).toEqual([
      [200, "email.sent"],
      [200, "email.delivered"],
    ]);
    expect(events[0]?.event?.data).toMatchObject({
      email_id: id,
      from: FROM,
      to: ["merchant@hollow-oak-gifts.test"],
      subject: email().subject,
    });
    expect(new Set(events.map((entry) => entry.webhookId)).size).toBe(2);
  });

  it("bounces, complains, opens or clicks a given email on demand; Resend's test addresses bounce and complain by themselves", async () => {
    const id = (await resend().emails.send(email())).data?.id ?? "";
    await standIn.webhooks.idle();
    const bounce = await standIn.deliverEvent(id, "email.bounced");
    expect(bounce.status).toBe(200);
    expect(standIn.message(id)?.last_event).toBe("bounced");
    expect(eventsFor(id).at(-1)?.event).toMatchObject({ type: "email.bounced", data: { bounce: { type: "Permanent" } } });
    expect((await resend().emails.get(id)).data?.last_event).toBe("bounced");

    const click = await standIn.deliverEvent(id, "email.clicked");
    expect(click.status).toBe(200);
    expect(eventsFor(id).at(-1)?.event).toMatchObject({
      type: "email.clicked",
      data: { click: { link: "https://fluxor.test/app/variants/1" } },
    });

    const bounced = (await resend().emails.send(email({ to: "bounced+alert-7@resend.dev" }))).data?.id ?? "";
    const complained = (await resend().emails.send(email({ to: "complained@resend.dev" }))).data?.id ?? "";
    await standIn.webhooks.idle();
    expect(eventsFor(bounced).map((entry) => entry.event?.type)).toEqual(["email.sent", "email.bounced"]);
    expect(eventsFor(complained).map((entry) => entry.event?.type)).toEqual(["email.sent", "email.delivered", "email.complained"]);
  });

  it("forges, backdates and replays webhooks for the app's tests; the SDK rejects the forged and the stale ones", async () => {
    const id = (await resend().emails.send(email())).data?.id ?? "";
    await standIn.webhooks.idle();

    const forged = await standIn.deliverEvent(id, "email.complained", { secret: newWebhookSecret() });
    expect(forged.status).toBe(401);
    expect(received.at(-1)?.error).toBe("No matching signature found");
    const stale = await standIn.deliverEvent(id, "email.bounced", { timestamp: new Date(now - 10 * 60 * 1000) });
    expect(stale.status).toBe(401);
    expect(received.at(-1)?.error).toBe("Message timestamp too old");
    expect(standIn.message(id)?.last_event).toBe("delivered");

    const opened = await standIn.deliverEvent(id, "email.opened");
    const replayed = await standIn.webhooks.replay(opened);
    expect(replayed.status).toBe(200);
    expect(received.slice(-2).map((entry) => entry.webhookId)).toEqual([opened.webhookId, opened.webhookId]);
    now += 1000;
    const duplicate = await standIn.deliverEvent(id, "email.opened", { webhookId: opened.webhookId });
    expect(duplicate.webhookId).toBe(opened.webhookId);
    expect(duplicate.timestamp).not.toBe(opened.timestamp);
  });

  it("retries a webhook the app did not take, with the same svix-id and a fresh signature", async () => {
    const id = (await resend().emails.send(email())).data?.id ?? "";
    await standIn.webhooks.idle();
    failDeliveries = 2;
    const first = await standIn.deliverEvent(id, "email.delivery_delayed");
    expect(first.status).toBe(500);
    await standIn.webhooks.idle();
    const attempts = standIn.webhooks.attempts().filter((attempt) => attempt.webhookId === first.webhookId);
    expect(attempts.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(eventsFor(id).at(-1)?.event?.type).toBe("email.delivery_delayed");
  });
});
