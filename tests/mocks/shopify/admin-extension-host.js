/*
 * What the local admin stand-in gives an admin UI extension (2025-10) in its frame: the `shopify` global,
 * an authenticated `fetch` to the app, and simple look-alikes of the Polaris web components a block uses.
 * Served by admin-block-harness.ts before the extension's bundle; configured by window.__ADMIN_EXTENSION_HOST__.
 * A dev/test tool: readable rendering and real DOM to assert on, not a copy of Polaris.
 */
(function () {
  "use strict";
  var host = window.__ADMIN_EXTENSION_HOST__;
  var nativeFetch = window.fetch.bind(window);
  var tokenUrl = new URL(host.tokenUrl, document.baseURI).href;
  var appUrl = new URL(host.appUrl);

  // ---- shopify.i18n: the extension's locales/*.json in the admin user's locale ----
  function lookup(messages, key) {
    return key.split(".").reduce(function (node, part) {
      return node && typeof node === "object" ? node[part] : undefined;
    }, messages);
  }
  function translate(key, options) {
    options = options || {};
    var value = lookup(host.messages, key);
    if (value === undefined) value = lookup(host.fallbackMessages, key);
    if (value && typeof value === "object" && typeof options.count === "number") {
      var category = new Intl.PluralRules(host.locale).select(options.count);
      value = options.count === 0 && "0" in value ? value["0"] : value[category] !== undefined ? value[category] : value.other;
    }
    if (typeof value !== "string") {
      console.warn("[admin stand-in] missing translation: " + key);
      return key;
    }
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, function (match, name) {
      return name in options ? String(options[name]) : match;
    });
  }

  // ---- session tokens and fetch: the admin adds the token to requests for the app's domain ----
  function idToken() {
    return nativeFetch(tokenUrl, { cache: "no-store" })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        return body.token;
      });
  }
  function isAppRequest(url) {
    if (url.protocol !== appUrl.protocol) return false;
    if (url.hostname === appUrl.hostname) return url.port === appUrl.port;
    return url.hostname.endsWith("." + appUrl.hostname);
  }
  window.fetch = function (input, init) {
    var request = input instanceof Request ? new Request(input, init) : new Request(new URL(String(input), appUrl).href, init);
    if (!isAppRequest(new URL(request.url))) return nativeFetch(request);
    return idToken().then(function (token) {
      var headers = new Headers(request.headers);
      headers.set("Authorization", "Bearer " + token);
      return nativeFetch(new Request(request, { headers: headers }));
    });
  };

  // ---- the shopify global ----
  var pending = [];
  window.shopify = {
    extension: { target: host.target, apiVersion: host.extension.apiVersion },
    data: { selected: host.selected },
    i18n: {
      translate: translate,
      formatNumber: function (value, options) {
        return new Intl.NumberFormat(host.locale, options).format(value);
      },
      formatCurrency: function (value, options) {
        return new Intl.NumberFormat(host.locale, Object.assign({ style: "currency" }, options)).format(value);
      },
      formatDate: function (date, options) {
        return new Intl.DateTimeFormat(host.locale, options).format(date);
      },
    },
    auth: { idToken: idToken },
    query: function () {
      return Promise.reject(new Error("The local admin stand-in does not provide direct Admin API access."));
    },
    extend: function (target, callback) {
      if (target !== host.target) return;
      pending.push(callback);
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run, { once: true });
      else queueMicrotask(run);
    },
  };
  function run() {
    pending.splice(0).forEach(function (callback) {
      Promise.resolve()
        .then(function () {
          return callback();
        })
        .catch(function (error) {
          console.error("[admin stand-in] the extension failed:", error);
        });
    });
  }

  // ---- the frame's height follows its content ----
  function reportHeight() {
    if (!document.body) return;
    window.parent.postMessage(
      { source: "admin-extension-host-stand-in", type: "resize", height: document.body.getBoundingClientRect().height },
      "*",
    );
  }
  document.addEventListener("DOMContentLoaded", function () {
    new ResizeObserver(reportHeight).observe(document.body);
    reportHeight();
  });

  // ---- Polaris web component look-alikes ----
  var SPACE = {
    none: 0,
    "small-500": 2,
    "small-400": 4,
    "small-300": 6,
    "small-200": 8,
    "small-100": 10,
    small: 12,
    base: 16,
    large: 20,
    "large-100": 24,
    "large-200": 28,
    "large-300": 32,
  };
  var TONES = {
    neutral: ["#e3e3e3", "#303030"],
    auto: ["#e3e3e3", "#303030"],
    info: ["#cae6ff", "#003a5a"],
    success: ["#affebf", "#014b40"],
    caution: ["#fff1a8", "#4f4700"],
    warning: ["#ffd6a4", "#5e4200"],
    critical: ["#fedad9", "#8e0b21"],
  };
  var BANNERS = {
    info: ["#eaf4ff", "#00527c", "i"],
    success: ["#cdfee1", "#0c5132", "✓"],
    warning: ["#fff1e3", "#5e4200", "!"],
    critical: ["#fee9e8", "#8e1f0b", "!"],
  };
  var uid = 0;
  function attrName(prop) {
    return prop.replace(/[A-Z]/g, function (c) {
      return "-" + c.toLowerCase();
    });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }
  function define(tag, props, css, render) {
    class Element extends HTMLElement {
      static get observedAttributes() {
        return props.map(attrName);
      }
      constructor() {
        super();
        this.attachShadow({ mode: "open" });
      }
      connectedCallback() {
        this.update();
      }
      attributeChangedCallback() {
        if (this.isConnected) this.update();
      }
      prop(name) {
        return this.getAttribute(attrName(name));
      }
      update() {
        var style = el("style");
        style.textContent = ":host{box-sizing:border-box}" + (typeof css === "function" ? css(this) : css);
        this.shadowRoot.replaceChildren(style, render(this));
      }
    }
    props.forEach(function (prop) {
      Object.defineProperty(Element.prototype, prop, {
        configurable: true,
        get: function () {
          return this.getAttribute(attrName(prop));
        },
        set: function (value) {
          if (value === null || value === undefined || value === false || value === "") this.removeAttribute(attrName(prop));
          else this.setAttribute(attrName(prop), value === true ? "" : String(value));
        },
      });
    });
    customElements.define(tag, Element);
  }

  define(
    "s-admin-block",
    ["heading", "collapsedSummary"],
    ":host{display:block}" +
      "section{background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 0 0 rgba(26,26,26,.07),0 1px 0 0 rgba(204,204,204,.5) inset,0 -1px 0 0 rgba(0,0,0,.17) inset}" +
      "h2{margin:0 0 12px;font-size:13px;line-height:20px;font-weight:650;color:#303030}",
    function (self) {
      var id = "s-admin-block-heading-" + ++uid;
      var heading = self.prop("heading");
      return el("section", heading ? { "aria-labelledby": id } : {}, [
        heading ? el("h2", { id: id }, [heading]) : "",
        el("div", { part: "content" }, [el("slot")]),
      ]);
    },
  );

  define(
    "s-stack",
    ["direction", "gap", "rowGap", "columnGap", "alignItems", "justifyContent", "padding"],
    function (self) {
      var inline = self.prop("direction") === "inline";
      var gap = SPACE[self.prop("gap")] !== undefined ? SPACE[self.prop("gap")] : 0;
      var padding = SPACE[self.prop("padding")] || 0;
      return (
        ":host{display:flex;flex-direction:" +
        (inline ? "row;flex-wrap:wrap" : "column") +
        ";gap:" +
        gap +
        "px;padding:" +
        padding +
        "px;align-items:" +
        (self.prop("alignItems") || (inline ? "normal" : "stretch")) +
        ";justify-content:" +
        (self.prop("justifyContent") || "normal") +
        "}"
      );
    },
    function () {
      return el("slot");
    },
  );

  define(
    "s-text",
    ["type", "color", "tone", "accessibilityVisibility"],
    function (self) {
      // Polaris' text tones (color-text-caution, -warning, -critical, -success, -info); otherwise subdued or base.
      var tones = { caution: "#4f4700", warning: "#5e4200", critical: "#8e0b21", success: "#014b40", info: "#00527c" };
      var color = tones[self.prop("tone")] || (self.prop("color") === "subdued" ? "#616161" : "#303030");
      return ":host{display:inline;color:" + color + "}strong{font-weight:650}";
    },
    function (self) {
      return self.prop("type") === "strong" ? el("strong", {}, [el("slot")]) : el("slot");
    },
  );

  define(
    "s-badge",
    ["tone", "color", "size", "icon"],
    function (self) {
      var tone = TONES[self.prop("tone")] || TONES.neutral;
      return (
        ":host{display:inline-flex}span{display:inline-flex;align-items:center;border-radius:8px;padding:2px 8px;font-size:12px;line-height:16px;font-weight:550;white-space:nowrap;background:" +
        tone[0] +
        ";color:" +
        tone[1] +
        "}"
      );
    },
    function () {
      return el("span", {}, [el("slot")]);
    },
  );

  define(
    "s-banner",
    ["tone", "heading", "dismissible"],
    function (self) {
      var tone = BANNERS[self.prop("tone")] || BANNERS.info;
      return (
        ":host{display:block}div.banner{display:flex;gap:8px;align-items:flex-start;border-radius:8px;padding:10px 12px;background:" +
        tone[0] +
        ";color:" +
        tone[1] +
        "}span.icon{flex:none;display:inline-flex;width:20px;height:20px;border-radius:50%;align-items:center;justify-content:center;font-weight:700;font-size:12px;color:#fff;background:" +
        tone[1] +
        "}span.icon::before{content:" +
        JSON.stringify(tone[2]) +
        "}h3{margin:0 0 4px;font-size:13px;font-weight:650}"
      );
    },
    function (self) {
      var tone = self.prop("tone") || "info";
      var heading = self.prop("heading");
      return el("div", { class: "banner", role: tone === "critical" || tone === "warning" ? "alert" : "status" }, [
        el("span", { class: "icon", "aria-hidden": "true" }),
        el("div", {}, [heading ? el("h3", {}, [heading]) : "", el("slot")]),
      ]);
    },
  );

  define(
    "s-spinner",
    ["accessibilityLabel", "size"],
    function (self) {
      var size = self.prop("size") === "large" ? 44 : self.prop("size") === "small" ? 16 : 28;
      return (
        ":host{display:inline-flex}span{display:inline-block;width:" +
        size +
        "px;height:" +
        size +
        "px;border-radius:50%;border:3px solid #e3e3e3;border-top-color:#616161;animation:spin .8s linear infinite}" +
        "@keyframes spin{to{transform:rotate(360deg)}}"
      );
    },
    function (self) {
      return el("div", { role: "status", "aria-label": self.prop("accessibilityLabel") || "Loading" }, [
        el("span", { "aria-hidden": "true" }),
      ]);
    },
  );
})();
