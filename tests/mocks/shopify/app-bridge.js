/* App Bridge stand-in: the subset of App Bridge v4 that Fluxor and @shopify/shopify-app-remix use.
 * Served by the local Shopify stand-in in place of https://cdn.shopify.com/shopifycloud/app-bridge.js. */
(function () {
  "use strict";
  var script = document.currentScript;
  var apiKey = (script && script.getAttribute("data-api-key")) || "";
  var params = new URLSearchParams(window.location.search);
  var store = window.sessionStorage;
  function remember(key) {
    var value = params.get(key);
    if (value) store.setItem("app-bridge:" + key, value);
    return value || store.getItem("app-bridge:" + key) || "";
  }
  var shop = remember("shop");
  var host = remember("host");
  var locale = remember("locale") || "en";
  var inFrame = window.parent !== window;
  var seq = 0;
  var pending = {};
  function send(type, data) {
    if (!inFrame) return;
    window.parent.postMessage({ source: "app-bridge-stand-in", type: type, data: data }, "*");
  }
  function ask(type, data) {
    return new Promise(function (resolve) {
      if (!inFrame) return resolve(undefined);
      var id = ++seq;
      pending[id] = resolve;
      window.parent.postMessage({ source: "app-bridge-stand-in", id: id, type: type, data: data }, "*");
    });
  }
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (!message || message.source !== "admin-shell-stand-in") return;
    if (message.id && pending[message.id]) {
      pending[message.id](message.data);
      delete pending[message.id];
    } else if (message.type === "navigate") {
      var links = document.querySelectorAll("ui-nav-menu a");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("href") === message.data) return links[i].click();
      }
      window.location.assign(message.data);
    }
  });

  var token = params.get("id_token");
  var tokenAt = token ? Date.now() : 0;
  function idToken() {
    if (token && Date.now() - tokenAt < 30000) return Promise.resolve(token);
    return ask("idToken", { shop: shop }).then(function (fresh) {
      if (fresh) {
        token = fresh;
        tokenAt = Date.now();
      }
      return token;
    });
  }

  // Like App Bridge: requests to the app's own origin carry the session token.
  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url, window.location.href);
    if (url.origin !== window.location.origin) return originalFetch(input, init);
    return idToken().then(function (value) {
      var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      if (value && !headers.has("Authorization")) headers.set("Authorization", "Bearer " + value);
      return originalFetch(input, Object.assign({}, init, { headers: headers })).then(function (response) {
        // Like App Bridge: a 401 naming a reauthorize URL (shopify-app-remix's redirect out of the iframe, e.g.
        // billing.request's approval page) sends the top window there; the request never settles, as the page leaves.
        var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
        if (response.status === 401 && reauthorize) {
          send("navigateTop", new URL(reauthorize, window.location.href).toString());
          return new Promise(function () {});
        }
        return response;
      });
    });
  };

  var originalOpen = window.open.bind(window);
  window.open = function (url, target, features) {
    if (target === "_top" || target === "_parent") {
      send("navigateTop", String(url));
      return null;
    }
    return originalOpen(url, target, features);
  };

  function reportLocation() {
    send("location", window.location.pathname + window.location.search);
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name].bind(history);
    history[name] = function () {
      var result = original.apply(null, arguments);
      reportLocation();
      return result;
    };
  });
  window.addEventListener("popstate", reportLocation);

  function defineReporting(tag, read) {
    if (window.customElements.get(tag)) return;
    window.customElements.define(
      tag,
      class extends HTMLElement {
        connectedCallback() {
          var self = this;
          this.style.display = "none";
          var report = function () {
            send(tag, read(self));
          };
          report();
          new MutationObserver(report).observe(this, { subtree: true, childList: true, characterData: true, attributes: true });
        }
      },
    );
  }
  defineReporting("ui-nav-menu", function (element) {
    return Array.prototype.map.call(element.querySelectorAll("a"), function (a) {
      return { label: a.textContent || "", href: a.getAttribute("href") || "", home: a.getAttribute("rel") === "home" };
    });
  });
  defineReporting("ui-title-bar", function (element) {
    return { title: element.getAttribute("title") || "" };
  });

  window.shopify = {
    config: { apiKey: apiKey, shop: shop, host: host, locale: locale },
    environment: { embedded: inFrame, mobile: false, pos: false },
    idToken: idToken,
    toast: {
      show: function (message, options) {
        send("toast", {
          message: String(message),
          isError: Boolean(options && options.isError),
          duration: (options && options.duration) || 5000,
        });
        return "toast-" + ++seq;
      },
      hide: function () {},
    },
    loading: function (on) {
      send("loading", on !== false);
    },
    // Not imitated (documented in tests/mocks/shopify/README.md): modal, saveBar, resourcePicker, scanner.
    modal: { show: function () {}, hide: function () {}, toggle: function () {} },
    saveBar: { show: function () {}, hide: function () {}, toggle: function () {} },
  };
  reportLocation();
})();
