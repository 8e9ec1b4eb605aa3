/**
 * The admin's product pages with the app's admin blocks in them (dev/test only): a products list at
 * `/store/{handle}/products` and a product-details page at `/store/{handle}/products/{id}` that renders every
 * block extension of this repository targeting `admin.product-details.block.render` (extensions/*), from its
 * real source, bundled on the fly by esbuild the way `shopify app build` bundles it.
 *
 * Each block runs in its own sandboxed frame (`/admin-extensions/{handle}/render`), as Shopify runs extension
 * code away from the admin page. The frame gets what the admin gives an extension (admin-extension-host.js):
 * the `shopify` global (`extend`, `data.selected`, `i18n` backed by the extension's `locales/*.json` in the
 * admin user's locale, `auth.idToken()`), a `fetch` that resolves relative URLs against the app's URL and adds
 * `Authorization: Bearer <session token>` to requests for the app, and simple stand-ins for the Polaris web
 * components (`s-admin-block`, `s-stack`, `s-text`, `s-badge`, `s-banner`, `s-spinner`).
 *
 * Query parameters of the product page: `locale` (the admin user's language, default `en`) and `token`
 * (`valid` by default; `invalid-signature` or `expired` make the admin hand the block a bad session token).
 */
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import type { AppConfig } from "./config";
import { mintSessionToken, storeHandle, type MintOptions } from "./crypto";
import { escapeHtml, sendHtml, sendJson } from "./http";
import type { ProductRecord, StoreView } from "./store/state";

export const PRODUCT_BLOCK_TARGET = "admin.product-details.block.render";
const EXTENSIONS_DIR = path.resolve(import.meta.dirname, "..", "..", "..", "extensions");
const HOST_JS = readFileSync(path.join(import.meta.dirname, "admin-extension-host.js"), "utf8");
const TOKEN_MODES = ["valid", "invalid-signature", "expired"] as const;
type TokenMode = (typeof TOKEN_MODES)[number];

export interface HarnessShop {
  domain: string;
  name: string;
  currencyCode: string;
  state: StoreView;
}

export interface HarnessDeps {
  app: AppConfig;
  shop(domain: string): HarnessShop | undefined;
}

interface BlockExtension {
  handle: string;
  dir: string;
  /** The targets this extension renders and their modules (relative to `dir`). */
  targets: { target: string; module: string }[];
  /** `name` as written in the toml (`t:name` = from the locales). */
  name: string;
}

/** The UI extensions of this repository (extensions/&#42;/shopify.extension.toml). */
function discoverExtensions(): BlockExtension[] {
  if (!existsSync(EXTENSIONS_DIR)) return [];
  const found: BlockExtension[] = [];
  for (const entry of readdirSync(EXTENSIONS_DIR, { withFileTypes: true })) {
    const tomlPath = path.join(EXTENSIONS_DIR, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(tomlPath)) continue;
    const toml = parseToml(readFileSync(tomlPath, "utf8")) as {
      extensions?: { name?: string; handle?: string; type?: string; targeting?: { target?: string; module?: string }[] }[];
    };
    for (const extension of toml.extensions ?? []) {
      if (extension.type !== "ui_extension" || !extension.handle) continue;
      const targets = (extension.targeting ?? []).flatMap((t) => (t.target && t.module ? [{ target: t.target, module: t.module }] : []));
      found.push({
        handle: extension.handle,
        dir: path.join(EXTENSIONS_DIR, entry.name),
        targets,
        name: extension.name ?? extension.handle,
      });
    }
  }
  return found;
}

type Messages = Record<string, unknown>;

function readJson(file: string): Messages {
  return JSON.parse(readFileSync(file, "utf8")) as Messages;
}

/** The extension's strings for a locale (`es-ES` → es-ES.json, es.json) and its default locale's strings. */
function extensionMessages(extension: BlockExtension, locale: string): { locale: string; messages: Messages; fallback: Messages } {
  const dir = path.join(extension.dir, "locales");
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const defaultFile = files.find((file) => file.endsWith(".default.json"));
  const fallback = defaultFile ? readJson(path.join(dir, defaultFile)) : {};
  for (const candidate of [locale, locale.split("-")[0] ?? locale]) {
    const file = files.find((f) => f === `${candidate}.json` || f === `${candidate}.default.json`);
    if (file) return { locale, messages: readJson(path.join(dir, file)), fallback };
  }
  return { locale, messages: fallback, fallback };
}

function translatedName(extension: BlockExtension, messages: Messages, fallback: Messages): string {
  if (!extension.name.startsWith("t:")) return extension.name;
  const key = extension.name.slice(2);
  const value = messages[key] ?? fallback[key];
  return typeof value === "string" ? value : extension.handle;
}

/** Newest modification time of the files a bundle is built from (its folder, without dist/ and node_modules/). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const bundles = new Map<string, { mtime: number; code: Promise<string> }>();

/**
 * The extension's code as `shopify app build` bundles it: an entry that imports each target's module and
 * registers it with `shopify.extend(target, …)`, bundled with esbuild (automatic JSX from the extension's
 * tsconfig, i.e. Preact), as one browser script. Rebuilt when a source file changes.
 */
export function bundleExtension(extension: BlockExtension): Promise<string> {
  const mtime = newestMtime(extension.dir);
  const cached = bundles.get(extension.handle);
  if (cached && cached.mtime === mtime) return cached.code;
  const entry = extension.targets
    .map(
      (t, i) =>
        `import Target_${i} from ${JSON.stringify(`./${t.module.replace(/^\.\//, "")}`)};\n` +
        `shopify.extend(${JSON.stringify(t.target)}, (...args) => Target_${i}(...args));`,
    )
    .join("\n");
  const code = import("esbuild").then(async ({ build }) => {
    const result = await build({
      stdin: { contents: entry, resolveDir: extension.dir, loader: "tsx", sourcefile: `${extension.handle}-entry.tsx` },
      bundle: true,
      write: false,
      format: "iife",
      jsx: "automatic",
      target: "es2020",
      legalComments: "none",
      define: { "process.env.NODE_ENV": JSON.stringify("development") },
      sourcemap: "inline",
      logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error(`esbuild produced no output for ${extension.handle}`);
    return file.text;
  });
  code.catch(() => bundles.delete(extension.handle));
  bundles.set(extension.handle, { mtime, code });
  return code;
}

/** JSON inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function tokenMode(value: string | null): TokenMode {
  return TOKEN_MODES.find((mode) => mode === value) ?? "valid";
}

/** The session token the admin hands the extension (or, on request, a bad one). */
function extensionToken(app: AppConfig, shop: string, mode: TokenMode): string {
  const options: MintOptions =
    mode === "invalid-signature"
      ? { secret: `not-the-secret-of-${app.apiKey}` }
      : mode === "expired"
        ? { now: Math.floor(Date.now() / 1000) - 3_600 }
        : {};
  return mintSessionToken(app, shop, options);
}

const CHROME_CSS = `
  *{box-sizing:border-box}
  body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;font-size:13px;line-height:20px;color:#303030;background:#f1f1f1;min-height:100vh;display:grid;grid-template-rows:56px 1fr}
  header.top{background:#1a1a1a;color:#e3e3e3;display:flex;align-items:center;gap:12px;padding:0 16px;font-size:14px}
  header.top .logo{font-weight:700;color:#95bf47} header.top .search{flex:1;max-width:480px;margin:0 auto;background:#303030;color:#b5b5b5;border-radius:8px;padding:6px 12px;font-size:13px}
  header.top .store{background:#303030;padding:6px 10px;border-radius:8px;white-space:nowrap}
  .frame{display:grid;grid-template-columns:240px 1fr;min-height:0}
  nav.side{background:#ebebeb;padding:12px 8px;font-size:13px} nav.side a,nav.side span{display:block;padding:5px 8px;border-radius:8px;color:#303030;text-decoration:none;font-weight:550}
  nav.side a.active{background:#fff;font-weight:650} nav.side .group{margin-top:16px;padding:4px 8px;color:#616161;font-size:12px;font-weight:550}
  main{padding:24px 24px 48px;min-width:0}
  .page{max-width:1000px;margin:0 auto}
  .title-bar{display:flex;align-items:center;gap:8px;margin-bottom:16px;flex-wrap:wrap}
  .title-bar a.back{display:inline-flex;width:28px;height:28px;border-radius:8px;align-items:center;justify-content:center;color:#303030;text-decoration:none;font-size:16px}
  .title-bar a.back:hover{background:#e3e3e3}
  h1{font-size:20px;line-height:24px;font-weight:700;margin:0}
  .layout{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:16px;align-items:start}
  .column{display:grid;gap:16px;min-width:0}
  .card{background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 0 0 rgba(26,26,26,.07),0 1px 0 0 rgba(204,204,204,.5) inset,0 -1px 0 0 rgba(0,0,0,.17) inset}
  .card h2{font-size:13px;font-weight:650;margin:0 0 12px}
  .field{display:grid;gap:4px;margin-bottom:12px} .field:last-child{margin-bottom:0}
  .label{color:#303030} .input{border:1px solid #8a8a8a;border-radius:8px;padding:6px 12px;background:#fdfdfd;min-height:32px}
  .input.area{min-height:96px;color:#616161}
  .badge{display:inline-block;border-radius:8px;padding:2px 8px;font-size:12px;font-weight:550;background:#e3e3e3;color:#303030}
  .badge.success{background:#affebf;color:#014b40}
  table{width:100%;border-collapse:collapse} th,td{text-align:left;padding:8px;border-top:1px solid #ebebeb;font-weight:450}
  th{font-weight:550;color:#616161;border-top:0;background:#f7f7f7} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
  .muted{color:#616161}
  .block-slot iframe{display:block;width:100%;height:72px;border:0;background:transparent;color-scheme:light}
  .notice{background:#fff8db;border-radius:12px;padding:12px 16px;margin-bottom:16px}
  a{color:#005bd3}
  @media (max-width: 768px){
    .frame{grid-template-columns:1fr} nav.side{display:none} header.top .search{display:none} header.top .store{margin-left:auto}
    main{padding:16px 12px 32px} .layout{grid-template-columns:1fr}
  }
`;

function adminPage(app: AppConfig, shop: HarnessShop, title: string, body: string, script = ""): string {
  const apps = `<a href="/store/${storeHandle(shop.domain)}/apps/${encodeURIComponent(app.handle)}">${escapeHtml(app.name)}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(shop.name)} · Shopify admin (local stand-in)</title>
<style>${CHROME_CSS}</style></head>
<body>
<header class="top"><span class="logo">shopify</span><span class="search" aria-hidden="true">Search</span><span class="store" data-testid="admin-store-name">${escapeHtml(shop.name)}</span></header>
<div class="frame">
<nav class="side" aria-label="Admin navigation">
  <span>Home</span><span>Orders</span><a class="active" href="/store/${storeHandle(shop.domain)}/products">Products</a><span>Customers</span><span>Content</span><span>Analytics</span><span>Marketing</span><span>Discounts</span>
  <div class="group">Apps</div>${apps}
</nav>
<main>${body}</main>
</div>
${script}
</body></html>`;
}

function available(state: StoreView, inventoryItemId: number): number {
  return state.levelsOfItem(inventoryItemId).reduce((sum, level) => sum + level.available, 0);
}

function productsListHtml(app: AppConfig, shop: HarnessShop, locale: string): string {
  const handle = storeHandle(shop.domain);
  const rows = shop.state
    .products()
    .map((product) => {
      const stock = product.variants.reduce((sum, variant) => sum + available(shop.state, variant.inventoryItemId), 0);
      return `<tr><td><a data-testid="product-link" data-product-id="${product.id}" data-variant-count="${product.variants.length}" href="/store/${handle}/products/${product.id}?locale=${encodeURIComponent(locale)}">${escapeHtml(product.title)}</a></td>
<td>${product.status === "ACTIVE" ? `<span class="badge success">Active</span>` : `<span class="badge">${escapeHtml(product.status.toLowerCase())}</span>`}</td>
<td class="num">${stock} in stock for ${product.variants.length} variant${product.variants.length === 1 ? "" : "s"}</td><td>${escapeHtml(product.vendor)}</td></tr>`;
    })
    .join("\n");
  return adminPage(
    app,
    shop,
    "Products",
    `<div class="page"><div class="title-bar"><h1>Products</h1></div>
<div class="card" style="padding:0;overflow:auto"><table><thead><tr><th>Product</th><th>Status</th><th class="num">Inventory</th><th>Vendor</th></tr></thead><tbody>${rows}</tbody></table></div></div>`,
  );
}

function productPageHtml(
  app: AppConfig,
  shop: HarnessShop,
  productId: string,
  product: ProductRecord | undefined,
  blocks: { extension: BlockExtension; title: string; src: string }[],
): string {
  const handle = storeHandle(shop.domain);
  const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: shop.currencyCode });
  const title = product?.title ?? `Product ${productId}`;
  const variantRows = (product?.variants ?? [])
    .map(
      (variant) =>
        `<tr><td>${escapeHtml(variant.title)}</td><td class="muted">${escapeHtml(variant.sku)}</td><td class="num">${escapeHtml(money.format(Number(variant.price)))}</td><td class="num">${available(shop.state, variant.inventoryItemId)}</td></tr>`,
    )
    .join("");
  const byLocation = new Map<string, number>();
  for (const variant of product?.variants ?? [])
    for (const level of shop.state.levelsOfItem(variant.inventoryItemId)) {
      const name = shop.state.location(level.locationId)?.name ?? String(level.locationId);
      byLocation.set(name, (byLocation.get(name) ?? 0) + level.available);
    }
  const blockFrames = blocks
    .map(
      (block) =>
        `<div class="block-slot"><iframe name="admin-block-${escapeHtml(block.extension.handle)}" data-extension="${escapeHtml(block.extension.handle)}" title="${escapeHtml(block.title)}" sandbox="allow-scripts" src="${escapeHtml(block.src)}"></iframe></div>`,
    )
    .join("\n");
  const body = `<div class="page">
<div class="title-bar"><a class="back" href="/store/${handle}/products" aria-label="Products">←</a><h1>${escapeHtml(title)}</h1>${
    product ? `<span class="badge success">${product.status === "ACTIVE" ? "Active" : escapeHtml(product.status.toLowerCase())}</span>` : ""
  }</div>
${product ? "" : `<div class="notice" role="note">The stand-in store has no product ${escapeHtml(productId)}; its blocks are rendered for it anyway (as for a product the app has not synced yet).</div>`}
<div class="layout">
  <div class="column">
    <section class="card" aria-label="Title and description">
      <div class="field"><span class="label">Title</span><div class="input">${escapeHtml(title)}</div></div>
      <div class="field"><span class="label">Description</span><div class="input area">${product ? `${escapeHtml(product.productType || "Gift")} by ${escapeHtml(product.vendor.replace(/\.$/, ""))}.` : ""}</div></div>
    </section>
    ${
      product
        ? `<section class="card" aria-labelledby="variants-heading"><h2 id="variants-heading">Variants</h2>
      <table><thead><tr><th>Variant</th><th>SKU</th><th class="num">Price</th><th class="num">Available</th></tr></thead><tbody>${variantRows}</tbody></table></section>`
        : ""
    }
    ${blockFrames}
  </div>
  <div class="column">
    <section class="card" aria-labelledby="status-heading"><h2 id="status-heading">Status</h2><div class="input">${product ? (product.status === "ACTIVE" ? "Active" : escapeHtml(product.status.toLowerCase())) : "—"}</div></section>
    <section class="card" aria-labelledby="organization-heading"><h2 id="organization-heading">Product organization</h2>
      <div class="field"><span class="label">Type</span><div class="input">${escapeHtml(product?.productType ?? "")}</div></div>
      <div class="field"><span class="label">Vendor</span><div class="input">${escapeHtml(product?.vendor ?? "")}</div></div>
    </section>
    <section class="card" aria-labelledby="locations-heading"><h2 id="locations-heading">Inventory by location</h2>
      <table><tbody>${[...byLocation].map(([name, units]) => `<tr><td>${escapeHtml(name)}</td><td class="num">${units}</td></tr>`).join("")}</tbody></table>
    </section>
  </div>
</div></div>`;
  // Blocks size themselves to their content (the admin does the same with its extension frames).
  const script = `<script>
window.addEventListener("message", function (event) {
  var m = event.data; if (!m || m.source !== "admin-extension-host-stand-in" || m.type !== "resize") return;
  document.querySelectorAll(".block-slot iframe").forEach(function (frame) {
    if (frame.contentWindow === event.source) frame.style.height = Math.ceil(m.height) + "px";
  });
});
</script>`;
  return adminPage(app, shop, title, body, script);
}

function renderFrameHtml(
  deps: HarnessDeps,
  extension: BlockExtension,
  target: string,
  shop: string,
  productId: string,
  locale: string,
  token: TokenMode,
): string {
  const { messages, fallback } = extensionMessages(extension, locale);
  const host = {
    target,
    extension: { handle: extension.handle, apiVersion: "2025-10" },
    appUrl: deps.app.appUrl,
    locale,
    messages,
    fallbackMessages: fallback,
    selected: [{ id: `gid://shopify/Product/${productId}` }],
    tokenUrl: `/admin-extensions/id-token?shop=${encodeURIComponent(shop)}&token=${token}`,
  };
  return `<!doctype html>
<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(translatedName(extension, messages, fallback))}</title>
<style>html,body{margin:0;background:transparent;color:#303030;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;font-size:13px;line-height:20px}</style>
<script>window.__ADMIN_EXTENSION_HOST__ = ${scriptJson(host)};</script>
<script src="/admin-extensions/host.js"></script>
<script src="/admin-extensions/${encodeURIComponent(extension.handle)}/bundle.js"></script>
</head><body></body></html>`;
}

const NOT_FOUND = "<h1>There’s no page at this address</h1>";

/**
 * Serves the product pages and the extension frames; returns false when the request is not one of them.
 * Only GET requests reach it.
 */
export async function adminBlockRoute(deps: HarnessDeps, url: URL, res: ServerResponse): Promise<boolean> {
  const locale = url.searchParams.get("locale") ?? "en";
  const list = /^\/store\/([a-z0-9][a-z0-9-]*)\/products\/?$/.exec(url.pathname);
  const detail = /^\/store\/([a-z0-9][a-z0-9-]*)\/products\/(\d{1,20})$/.exec(url.pathname);
  if (list?.[1] || detail?.[1]) {
    const shop = deps.shop(`${list?.[1] ?? detail?.[1]}.myshopify.com`);
    if (!shop) sendHtml(res, 404, NOT_FOUND);
    else if (list) sendHtml(res, 200, productsListHtml(deps.app, shop, locale), { "Cache-Control": "no-store" });
    if (!shop || list) return true;
    const productId = detail?.[2] ?? "";
    const blocks = discoverExtensions()
      .filter((extension) => extension.targets.some((t) => t.target === PRODUCT_BLOCK_TARGET))
      .map((extension) => {
        const { messages, fallback } = extensionMessages(extension, locale);
        const query = new URLSearchParams({
          target: PRODUCT_BLOCK_TARGET,
          shop: shop.domain,
          id: productId,
          locale,
          token: tokenMode(url.searchParams.get("token")),
        });
        return {
          extension,
          title: translatedName(extension, messages, fallback),
          src: `/admin-extensions/${extension.handle}/render?${query}`,
        };
      });
    sendHtml(res, 200, productPageHtml(deps.app, shop, productId, shop.state.product(Number(productId)), blocks), {
      "Cache-Control": "no-store",
    });
    return true;
  }
  if (!url.pathname.startsWith("/admin-extensions/")) return false;
  // The frames are sandboxed (an opaque origin, as extensions run away from the admin's origin): allow them in.
  const cors = { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-store" };
  if (url.pathname === "/admin-extensions/host.js") {
    res.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", ...cors });
    res.end(HOST_JS);
    return true;
  }
  if (url.pathname === "/admin-extensions/id-token") {
    const shop = deps.shop(url.searchParams.get("shop") ?? "");
    if (!shop) sendJson(res, 404, { error: "unknown shop" }, cors);
    else sendJson(res, 200, { token: extensionToken(deps.app, shop.domain, tokenMode(url.searchParams.get("token"))) }, cors);
    return true;
  }
  const extensionRoute = /^\/admin-extensions\/([a-z0-9-]+)\/(bundle\.js|render)$/.exec(url.pathname);
  const extension = discoverExtensions().find((e) => e.handle === extensionRoute?.[1]);
  if (!extensionRoute || !extension) {
    sendJson(res, 404, { errors: "Not Found" }, cors);
    return true;
  }
  if (extensionRoute[2] === "bundle.js") {
    try {
      const code = await bundleExtension(extension);
      res.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", ...cors });
      res.end(code);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(500, { "Content-Type": "application/javascript; charset=utf-8", ...cors });
      res.end(`throw new Error(${JSON.stringify(`the extension ${extension.handle} did not build: ${message}`)});`);
    }
    return true;
  }
  const target = url.searchParams.get("target") ?? PRODUCT_BLOCK_TARGET;
  const shop = deps.shop(url.searchParams.get("shop") ?? "");
  const productId = url.searchParams.get("id") ?? "";
  if (!shop || !/^\d{1,20}$/.test(productId) || !extension.targets.some((t) => t.target === target)) {
    sendJson(res, 404, { errors: "Not Found" }, cors);
    return true;
  }
  const html = renderFrameHtml(deps, extension, target, shop.domain, productId, locale, tokenMode(url.searchParams.get("token")));
  sendHtml(res, 200, html, { "Cache-Control": "no-store" });
  return true;
}
