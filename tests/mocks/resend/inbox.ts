/**
 * The inbox page (`GET <inbox>`): every accepted email, newest first, and the one chosen (`?id=`) as a mail client
 * shows it: sender, recipients and date, then three tabs (`&tab=html|text|details`): the HTML part in a sandboxed
 * iframe as wide as the reading pane and as tall as the email (no scripts; links open in a new tab), the text part,
 * and the details (headers with `List-Unsubscribe`, tags, attachments, ids, events, and buttons that make Resend
 * report a delay, bounce, complaint, open or click). Two columns on a desktop, one on a phone (the list, or the
 * chosen email). Without scripts every part shows, one under the other.
 *
 * New mail reloads the list; while an email is open, a "new email" link appears instead, so what is being read (or
 * screenshot) stays put. Clock-dependent text (times, ids) carries `data-volatile` for screenshots to mask. The
 * iframe says when it has been sized to its email (`data-fitted`), and the page when it is ready (`data-ready`).
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
.bar .fresh{margin-left:auto;color:#fff;font-weight:600}
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
.detail .panel>h3:first-child{margin-top:.75rem}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem .9rem;margin:0}
.meta dt{color:#57606a}
.meta dd{margin:0;word-break:break-word}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dee4}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid #eef1f4}
th{width:30%;font-weight:600}
td{overflow-wrap:anywhere}
.tabs{display:flex;gap:.25rem;margin:1rem 0 0;border-bottom:1px solid #d8dee4}
.tabs a{padding:.45rem .9rem;border:1px solid transparent;border-bottom:0;border-radius:6px 6px 0 0;color:#57606a;text-decoration:none;font-weight:600;margin-bottom:-1px}
.tabs a[aria-selected="true"]{background:#fff;border-color:#d8dee4;color:#1f2328}
.tabs a:focus-visible{outline:2px solid #0b57d0;outline-offset:-2px}
.js .panel-title{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.panel{padding-top:.75rem}
iframe{display:block;width:100%;height:420px;border:1px solid #d8dee4;background:#fff}
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
  .tabs a{padding:.4rem .65rem}
  /* The email at the phone's full width, as a mail app shows it. */
  #part-html iframe{width:calc(100% + 1.5rem);margin:0 -.75rem;border-left:0;border-right:0}
  th,td{display:block;width:auto}
  th{border-bottom:0;padding-bottom:0}
}
`;

const SCRIPT = `
document.documentElement.classList.add("js");
// Tabs: the chosen one from ?tab=, switched in place (the address follows, for a reload or a link).
const tabs = [...document.querySelectorAll("[role=tab]")];
const show = (name) => {
  const tab = tabs.find((t) => t.dataset.tab === name) ?? tabs[0];
  if (!tab) return;
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  return tab;
};
show(new URLSearchParams(location.search).get("tab"));
for (const tab of tabs) {
  tab.addEventListener("click", (event) => {
    event.preventDefault();
    show(tab.dataset.tab);
    history.replaceState(null, "", tab.href);
  });
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    show(next.dataset.tab);
    history.replaceState(null, "", next.href);
    next.focus();
  });
}
// The HTML part as tall as the email, at the pane's width (a phone's, on a phone).
const frame = document.querySelector("iframe");
const ready = () => { document.body.dataset.ready = "1"; };
if (!frame) ready();
else {
  let done = false;
  const fitted = () => {
    const doc = frame.contentDocument;
    if (!doc || !doc.documentElement) return;
    for (const link of doc.querySelectorAll("a[href]")) link.target = "_blank";
    const fit = () => {
      // The root's own box, not scrollHeight, which never reports less than the frame's current height.
      const height = Math.ceil(doc.documentElement.getBoundingClientRect().height);
      if (height > 0) frame.style.height = height + "px";
    };
    fit();
    new ResizeObserver(fit).observe(doc.documentElement);
    const images = [...doc.images].filter((image) => !image.complete);
    Promise.all(images.map((image) => new Promise((resolve) => { image.onload = image.onerror = resolve; }))).then(() => {
      fit();
      frame.dataset.fitted = "1";
      ready();
    });
  };
  frame.addEventListener("load", () => { if (!done) { done = true; fitted(); } });
  if (frame.contentDocument && frame.contentDocument.readyState === "complete" && frame.contentDocument.URL !== "about:blank") { done = true; fitted(); }
}
// New mail: reload the list; while an email is open, offer it instead.
const newest = document.body.dataset.newest;
const reading = document.body.dataset.reading === "1";
setInterval(async () => {
  try {
    const answer = await (await fetch("${INBOX_PATH}/api/messages?limit=1")).json();
    if ((answer.messages[0]?.id ?? "") === newest) return;
    if (!reading) location.reload();
    else document.querySelector(".fresh")?.removeAttribute("hidden");
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
  <span class="to">${list(message.to)}</span><time class="time" data-volatile datetime="${message.created_at}" title="${formatTime(message.created_at)}">${shortTime(message.created_at, today)}</time>
  <span class="subject">${escapeHtml(message.subject)}</span><span class="badge ${message.last_event}">${message.last_event.replace("_", " ")}</span>
</a></li>`,
  );
  return `<ul>${items.join("\n")}</ul>`;
}

function rows(entries: [string, string][], empty: string): string {
  if (entries.length === 0) return `<p>${empty}</p>`;
  return `<table><tbody>${entries.map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join("")}</tbody></table>`;
}

const TABS = [
  ["html", "HTML"],
  ["text", "Text"],
  ["details", "Headers & events"],
] as const;

function messageDetail(message: StoredMessage): string {
  const meta: [string, string][] = [
    ["From", escapeHtml(message.from)],
    ["To", list(message.to)],
    ...(message.cc.length ? [["Cc", list(message.cc)] as [string, string]] : []),
    ...(message.bcc.length ? [["Bcc", list(message.bcc)] as [string, string]] : []),
    ...(message.reply_to.length ? [["Reply-To", list(message.reply_to)] as [string, string]] : []),
    ["Date", `<span data-volatile>${formatTime(message.created_at)}</span>`],
    ["Status", `<span class="badge ${message.last_event}">${message.last_event.replace("_", " ")}</span>`],
  ];
  const ids: [string, string][] = [
    ["ID", `<code data-volatile>${message.id}</code>`],
    ["Message-ID", `<code data-volatile>${escapeHtml(message.message_id)}</code>`],
    ...(message.idempotency_key
      ? [["Idempotency key", `<code data-volatile>${escapeHtml(message.idempotency_key)}</code>`] as [string, string]]
      : []),
    ...(message.batch ? [["Sent", "in a batch"] as [string, string]] : []),
  ];
  const html = message.html
    ? `<iframe src="${INBOX_PATH}/messages/${message.id}/html" title="HTML part of “${escapeHtml(message.subject)}”" sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe>`
    : "<p>No HTML part.</p>";
  const events = message.events.map((event) => `<li>${event.type} · <span data-volatile>${formatTime(event.at)}</span></li>`).join("");
  const buttons = SIMULATED.map(
    ([type, label]) => `<button type="submit" name="type" value="${type}" title="Send a signed ${type} webhook">${label}</button>`,
  ).join("");
  const tabs = TABS.map(
    ([name, label], index) =>
      `<a role="tab" id="tab-${name}" data-tab="${name}" href="${INBOX_PATH}?id=${message.id}&amp;tab=${name}" aria-controls="part-${name}" aria-selected="${index === 0}"${index === 0 ? "" : ' tabindex="-1"'}>${label}</a>`,
  ).join("");
  const panel = (name: string, body: string) =>
    `<section class="panel" id="part-${name}" role="tabpanel" aria-labelledby="tab-${name}">${body}</section>`;
  return `<a class="back" href="${INBOX_PATH}">← All email</a>
<h2>${escapeHtml(message.subject)}</h2>
<dl class="meta">${meta.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join("")}</dl>
<nav class="tabs" role="tablist" aria-label="Parts of the email">${tabs}</nav>
${panel("html", `<h3 class="panel-title">HTML</h3>${html}`)}
${panel("text", `<h3 class="panel-title">Text</h3>${message.text ? `<pre>${escapeHtml(message.text)}</pre>` : "<p>No text part.</p>"}`)}
${panel(
  "details",
  `<h3>Headers</h3>${rows(Object.entries(message.headers), "No custom headers.")}
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
<h3>Identifiers</h3><dl class="meta">${ids.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join("")}</dl>
<h3>Events</h3><ol class="events">${events}</ol>
<form class="simulate" method="post" action="${INBOX_PATH}/messages/${message.id}/events" aria-label="Simulate an event">${buttons}</form>`,
)}`;
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
<body data-newest="${messages[0]?.id ?? ""}" data-reading="${selected ? "1" : "0"}">
<header class="bar"><h1>Inbox</h1><span>local Resend stand-in · ${count}</span><a class="fresh" href="${INBOX_PATH}" hidden>New email ↻</a></header>
<main class="layout${selected ? " chosen" : ""}">
<nav class="list" aria-label="Email">${messageList(messages, selected, today)}</nav>
<article class="detail">${selected ? messageDetail(selected) : `<p class="placeholder">Choose an email.</p>`}</article>
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
