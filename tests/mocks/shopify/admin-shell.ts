/**
 * The admin shell: the page the local "Shopify admin" shows, with the app in an iframe named
 * `app-iframe` (Shopify's embedded parameters and a fresh session token in its URL), a sidebar fed by
 * the app's `<ui-nav-menu>`, the title bar's title, toasts and a loading bar. It talks to the App Bridge
 * stand-in (app-bridge.js) inside the frame with postMessage.
 */
import type { AppConfig } from "./config";
import { escapeHtml } from "./http";

export function adminShellHtml(store: { domain: string; name: string }, app: AppConfig, src: string, shellBase: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(store.name)} · Fluxor · Shopify admin (local stand-in)</title>
<style>
  *{box-sizing:border-box} body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;background:#f1f1f1;height:100vh;display:grid;grid-template-rows:56px 1fr}
  header{background:#1a1a1a;color:#fff;display:flex;align-items:center;gap:12px;padding:0 16px;font-size:14px}
  header .logo{font-weight:700;color:#95bf47} header .store{margin-left:auto;background:#303030;padding:6px 10px;border-radius:8px}
  main{display:grid;grid-template-columns:240px 1fr;min-height:0}
  nav{background:#ebebeb;padding:12px 8px;font-size:13px;overflow:auto} nav .app{font-weight:600;padding:6px 8px;color:#303030}
  nav a{display:block;padding:6px 8px 6px 20px;border-radius:8px;color:#303030;text-decoration:none} nav a.active{background:#fff;font-weight:600}
  iframe{border:0;width:100%;height:100%;background:#f1f1f1}
  #toasts{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);display:grid;gap:8px;z-index:10}
  .toast{background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:10px;font-size:14px} .toast.error{background:#8e1f0b}
  #loading{position:fixed;top:56px;left:0;height:3px;width:0;background:#95bf47;transition:width .3s}
  @media (max-width: 768px){main{grid-template-columns:1fr} nav{display:none}}
</style></head>
<body>
<header><span class="logo">shopify</span><span>admin · local stand-in</span><span class="store" data-testid="admin-store-name">${escapeHtml(store.name)}</span></header>
<div id="loading"></div>
<main><nav aria-label="App navigation"><div class="app">${escapeHtml(app.handle === "fluxor" ? "Fluxor" : app.handle)}</div><div id="app-nav"></div></nav>
<iframe name="app-iframe" title="Fluxor" src="${escapeHtml(src)}"></iframe></main>
<div id="toasts" role="status" aria-live="polite"></div>
<script>
(function(){
  var frame = document.querySelector("iframe[name=app-iframe]");
  var shop = ${JSON.stringify(store.domain)};
  var shellBase = ${JSON.stringify(shellBase)};
  function reply(event, id, data){ event.source.postMessage({ source: "admin-shell-stand-in", id: id, data: data }, "*"); }
  window.addEventListener("message", function(event){
    var m = event.data; if (!m || m.source !== "app-bridge-stand-in") return;
    if (m.type === "idToken") { fetch("/admin-shell/id-token?shop=" + encodeURIComponent(shop)).then(function(r){ return r.json(); }).then(function(b){ reply(event, m.id, b.token); }); }
    else if (m.type === "toast") { var t = document.createElement("div"); t.className = "toast" + (m.data.isError ? " error" : ""); t.textContent = m.data.message; document.getElementById("toasts").appendChild(t); setTimeout(function(){ t.remove(); }, m.data.duration || 5000); }
    else if (m.type === "loading") { document.getElementById("loading").style.width = m.data ? "70%" : "0"; }
    else if (m.type === "navigateTop") { window.location.href = m.data; }
    else if (m.type === "location") { var p = String(m.data).split("?")[0]; history.replaceState(null, "", shellBase + (p === "/app" ? "" : p.replace(/^\\/app/, ""))); highlight(p); }
    else if (m.type === "ui-nav-menu") {
      var nav = document.getElementById("app-nav"); nav.innerHTML = "";
      m.data.filter(function(l){ return !l.home; }).concat(m.data.filter(function(l){ return l.home; })).sort(function(a,b){ return (b.home?1:0)-(a.home?1:0); }).forEach(function(link){
        var a = document.createElement("a"); a.textContent = link.label; a.href = shellBase + (link.href === "/app" ? "" : link.href.replace(/^\\/app/, "")); a.dataset.appHref = link.href;
        a.addEventListener("click", function(e){ e.preventDefault(); frame.contentWindow.postMessage({ source: "admin-shell-stand-in", type: "navigate", data: link.href }, "*"); });
        nav.appendChild(a);
      });
    }
    else if (m.type === "ui-title-bar") { if (m.data.title) document.title = m.data.title + " · " + ${JSON.stringify(store.name)}; }
  });
  function highlight(path){ document.querySelectorAll("#app-nav a").forEach(function(a){ a.classList.toggle("active", a.dataset.appHref === path); }); }
})();
</script></body></html>`;
}
