/**
 * The inbox page (`GET <inbox>`): every accepted email, newest first, and the one chosen (`?id=`) rendered: its
 * HTML part in a sandboxed iframe (no scripts; links open in a new tab), its text part, its headers (with
 * `List-Unsubscribe`), tags, attachments and events, and buttons that make Resend report a delay, bounce,
 * complaint, open or click for it. Two columns on a desktop, one on a phone (the list, or the chosen email).
 * New mail reloads the page.
 */
import { escapeHtml } from "../shopify/http";
import type { StoredMessage } from "./messages";

export const INBOX_PATH = "/inbox";

const SIMULATED = [
  ["email.delivery_delayed", "Delay"],
  ["email.bounced", "Bounce"],
  ["email.complained", "Complain"],
  ["email.opened", "Open"],
  ["email.clicked", "Click"],
] as const;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f7f9}
a{color:#0b57d0}
.bar{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline;padding:.7rem 1rem;background:#1f2328;color:#fff}
.bar h1{font-size:16px;margin:0}
.bar span{color:#c9d1d9;font-size:13px}
.layout{display:grid;grid-template-columns:minmax(260px,360px) minmax(0,1fr);min-height:calc(100vh - 44px)}
.list{background:#fff;border-right:1px solid #d8dee4}
.list ul{list-style:none;margin:0;padding:0}
.list a{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:.1rem .5rem;padding:.65rem 1rem;border-bottom:1px solid #eef1f4;color:inherit;text-decoration:none}
.list a:hover{background:#f3f6fa}
.list a[aria-current="page"]{background:#e8f0fe;box-shadow:inset 3px 0 #1a73e8}
.to,.subject{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.to{font-weight:600}
.time{color:#57606a;font-size:12px;text-align:right}
.subject{color:#24292f}
.empty{padding:2rem 1rem;color:#57606a}
.badge{justify-self:end;font-size:11px;font-weight:600;padding:0 .45rem;border-radius:999px;background:#eaeef2;color:#24292f}
.badge.delivered{background:#dafbe1;color:#116329}
.badge.bounced,.badge.complained{background:#ffebe9;color:#a40e26}
.badge.opened,.badge.clicked{background:#ddf4ff;color:#0a3069}
.badge.delivery_delayed{background:#fff8c5;color:#7d4e00}
.detail{padding:1rem 1.25rem 2rem;min-width:0}
.detail h2{font-size:20px;margin:.25rem 0 .75rem;word-break:break-word}
.detail h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#57606a;margin:1.5rem 0 .5rem}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem .9rem;margin:0}
.meta dt{color:#57606a}
.meta dd{margin:0;word-break:break-word}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dee4}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid #eef1f4}
th{width:30%;font-weight:600}
td{overflow-wrap:anywhere}
iframe{display:block;width:100%;min-height:420px;border:1px solid #d8dee4;background:#fff}
pre{margin:0;white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #d8dee4;padding:.75rem;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace}
.events{margin:0;padding-left:1.2rem}
.simulate{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.6rem}
.simulate button{font:inherit;padding:.3rem .7rem;border:1px solid #afb8c1;border-radius:6px;background:#fff;cursor:pointer}
.simulate button:hover{background:#f3f4f6}
.back{display:none;margin-bottom:.5rem}
.placeholder{color:#57606a;padding:2rem 0}
@media (max-width:760px){
  .layout{grid-template-columns:minmax(0,1fr)}
  .list{border-right:0}
  .layout.chosen .list,.layout:not(.chosen) .detail{display:none}
  .back{display:inline-block}
  .detail{padding:.75rem .75rem 2rem}
  th,td{display:block;width:auto}
  th{border-bottom:0;padding-bottom:0}
}
`;

const SCRIPT = `
const frame = document.querySelector("iframe");
if (frame) frame.addEventListener("load", () => {
  const doc = frame.contentDocument;
  if (!doc) return;
  for (const link of doc.querySelectorAll("a[href]")) link.target = "_blank";
  const fit = () => { frame.style.height = doc.documentElement.scrollHeight + "px"; };
  fit();
  if (doc.body) new ResizeObserver(fit).observe(doc.body);
});
const newest = document.body.dataset.newest;
setInterval(async () => {
  try {
    const answer = await (await fetch("${INBOX_PATH}/api/messages?limit=1")).json();
    if ((answer.messages[0]?.id ?? "") !== newest) location.reload();
  } catch {}
}, 3000);
`;

function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** In the list: the time for today's email, the date for older ones. */
const shortTime = (iso: string, today: string) => (iso.startsWith(today) ? iso.slice(11, 19) : iso.slice(0, 10));

const list = (addresses: string[]) => escapeHtml(addresses.join(", "));

function messageList(messages: StoredMessage[], selected: StoredMessage | undefined, today: string): string {
  if (messages.length === 0) return `<p class="empty">No email yet. Whatever the app sends through the stand-in shows up here.</p>`;
  const items = messages.map(
    (message) => `<li><a href="${INBOX_PATH}?id=${message.id}"${message.id === selected?.id ? ' aria-current="page"' : ""}>
  <span class="to">${list(message.to)}</span><time class="time" datetime="${message.created_at}" title="${formatTime(message.created_at)}">${shortTime(message.created_at, today)}</time>
  <span class="subject">${escapeHtml(message.subject)}</span><span class="badge ${message.last_event}">${message.last_event.replace("_", " ")}</span>
</a></li>`,
  );
  return `<ul>${items.join("\n")}</ul>`;
}

function rows(entries: [string, string][], empty: string): string {
  if (entries.length === 0) return `<p>${empty}</p>`;
  return `<table><tbody>${entries.map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join("")}</tbody></table>`;
}

function messageDetail(message: StoredMessage): string {
  const meta: [string, string][] = [
    ["From", escapeHtml(message.from)],
    ["To", list(message.to)],
    ...(message.cc.length ? [["Cc", list(message.cc)] as [string, string]] : []),
    ...(message.bcc.length ? [["Bcc", list(message.bcc)] as [string, string]] : []),
    ...(message.reply_to.length ? [["Reply-To", list(message.reply_to)] as [string, string]] : []),
    ["Date", formatTime(message.created_at)],
    ["Status", `<span class="badge ${message.last_event}">${message.last_event.replace("_", " ")}</span>`],
    ["ID", `<code>${message.id}</code>`],
    ...(message.idempotency_key ? [["Idempotency key", `<code>${escapeHtml(message.idempotency_key)}</code>`] as [string, string]] : []),
    ...(message.batch ? [["Sent", "in a batch"] as [string, string]] : []),
  ];
  const html = message.html
    ? `<iframe src="${INBOX_PATH}/messages/${message.id}/html" title="HTML part of “${escapeHtml(message.subject)}”" sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe>`
    : "<p>No HTML part.</p>";
  const events = message.events.map((event) => `<li>${event.type} · ${formatTime(event.at)}</li>`).join("");
  const buttons = SIMULATED.map(
    ([type, label]) => `<button type="submit" name="type" value="${type}" title="Send a signed ${type} webhook">${label}</button>`,
  ).join("");
  return `<a class="back" href="${INBOX_PATH}">← All email</a>
<h2>${escapeHtml(message.subject)}</h2>
<dl class="meta">${meta.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join("")}</dl>
<h3>Headers</h3>${rows(Object.entries(message.headers), "No custom headers.")}
${
  message.tags.length
    ? `<h3>Tags</h3>${rows(
        message.tags.map((tag) => [tag.name, tag.value]),
        "",
      )}`
    : ""
}
${
  message.attachments.length
    ? `<h3>Attachments</h3>${rows(
        message.attachments.map((attachment) => [
          attachment.filename ?? "(no name)",
          `${attachment.content_type ?? "unknown type"}${attachment.size === null ? "" : `, ${attachment.size} bytes`}`,
        ]),
        "",
      )}`
    : ""
}
<h3>HTML</h3>${html}
<h3>Text</h3>${message.text ? `<pre>${escapeHtml(message.text)}</pre>` : "<p>No text part.</p>"}
<h3>Events</h3><ol class="events">${events}</ol>
<form class="simulate" method="post" action="${INBOX_PATH}/messages/${message.id}/events" aria-label="Simulate an event">${buttons}</form>`;
}

/** `today`: the stand-in's date (YYYY-MM-DD, UTC). */
export function renderInbox(messages: StoredMessage[], selected: StoredMessage | undefined, today: string): string {
  const count = `${messages.length} email${messages.length === 1 ? "" : "s"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${selected ? `${escapeHtml(selected.subject)} · ` : ""}Inbox · local Resend</title>
<style>${STYLE}</style>
</head>
<body data-newest="${messages[0]?.id ?? ""}">
<header class="bar"><h1>Inbox</h1><span>local Resend stand-in · ${count}</span></header>
<main class="layout${selected ? " chosen" : ""}">
<nav class="list" aria-label="Email">${messageList(messages, selected, today)}</nav>
<article class="detail">${selected ? messageDetail(selected) : `<p class="placeholder">Choose an email.</p>`}</article>
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
