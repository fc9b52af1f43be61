/*
 * monosim's connect.js: the Mono Connect widget script, served by the simulator.
 *
 * Swap Mono's script URL for this one (e.g. http://127.0.0.1:7410/connect.js) and a
 * frontend written for Mono runs unchanged: `new Connect({ key, onSuccess, onClose,
 * onLoad, onEvent, reference })`, `setup()`, `reauthorise(accountIdOrToken)`, `open()`,
 * `close()`. Mono's own script re-authorised with a token from the backend up to 2.0.x and
 * with the account id from 2.1.0 (withmono/connect.js#58); this one takes either, so both
 * kinds of frontend run against it.
 * The widget opens in an iframe on the simulator; its messages arrive with Mono's
 * postMessage types and reach `onEvent` under Mono's event names.
 */
(function (global) {
  "use strict";

  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src, global.location.href).origin : global.location.origin;

  // postMessage type -> onEvent name (Mono's, including its spelling of "occured").
  var EVENT_NAMES = {
    "mono.connect.widget_loaded": "LOADED",
    "mono.connect.widget_opened": "OPENED",
    "mono.connect.error_occured": "ERROR",
    "mono.connect.institution_selected": "INSTITUTION_SELECTED",
    "mono.connect.auth_method_switched": "AUTH_METHOD_SWITCHED",
    "mono.connect.on_exit": "EXIT",
    "mono.connect.login_attempt": "SUBMIT_CREDENTIALS",
    "mono.connect.mfa_submitted": "SUBMIT_MFA",
    "mono.connect.account_linked": "ACCOUNT_LINKED",
    "mono.connect.account_selected": "ACCOUNT_SELECTED",
    "mono.connect.widget.account_linked": "SUCCESS"
  };

  function noop() {}

  function Connect(config) {
    if (!(this instanceof Connect)) {
      return new Connect(config);
    }
    config = config || {};
    if (!config.key) {
      throw new Error("PUBLIC_KEY is required");
    }
    if (typeof config.onSuccess !== "function") {
      throw new Error("onSuccess callback is required");
    }
    this.key = config.key;
    this.onSuccess = config.onSuccess;
    this.onClose = config.onClose || noop;
    this.onLoad = config.onLoad || noop;
    this.onEvent = config.onEvent || noop;
    this.config = {};
    for (var name in config) {
      if (["key", "onSuccess", "onClose", "onLoad", "onEvent"].indexOf(name) < 0) {
        this.config[name] = config[name];
      }
    }
    this.frame = null;
    this.listener = null;
  }

  /** Builds the (hidden) iframe for a new link, or for a re-auth with `reauth_token`. */
  Connect.prototype.setup = function (extra) {
    this.teardown();
    var query = new URLSearchParams();
    query.set("key", this.key);
    query.set("referrer", global.location.href);
    query.set("version", "2023-12-14");
    var options = Object.assign({}, this.config, extra || {});
    for (var name in options) {
      var value = options[name];
      if (value !== undefined && value !== null && typeof value !== "function") {
        query.set(name, typeof value === "object" ? JSON.stringify(value) : String(value));
      }
    }
    var frame = document.createElement("iframe");
    frame.src = ORIGIN + "/widget?" + query.toString();
    frame.title = "Mono Connect (simulated)";
    frame.id = "mono-connect--widget-div";
    frame.setAttribute("allow", "clipboard-write");
    frame.style.cssText =
      "position:fixed;inset:0;width:100%;height:100%;border:0;z-index:2147483647;" +
      "background:rgba(15,23,42,.55);visibility:hidden;";
    var self = this;
    this.listener = function (event) {
      if (event.origin !== ORIGIN || !self.frame || event.source !== self.frame.contentWindow) {
        return;
      }
      self.handle(event.data || {});
    };
    global.addEventListener("message", this.listener);
    document.body.appendChild(frame);
    this.frame = frame;
  };

  // Mono's account ids are 24-hex ObjectIds; its re-auth tokens never are (20 characters).
  var ACCOUNT_ID = /^[0-9a-f]{24}$/i;

  /**
   * Prepares a re-auth session. An account id goes in `data.account`, as connect.js 2.1+
   * sends it; anything else is a token from `/reauthorise`, sent as `reauth_token` as by
   * connect.js up to 2.0.x. The checks and their messages are 2.1's.
   */
  Connect.prototype.reauthorise = function (accountIdOrToken) {
    if (!accountIdOrToken) {
      throw new Error("Account ID is required for re-authorisation");
    }
    if (typeof accountIdOrToken !== "string") {
      throw new Error("Invalid accountId: must be a string");
    }
    if (ACCOUNT_ID.test(accountIdOrToken)) {
      var data = Object.assign({}, this.config.data || {}, { account: accountIdOrToken });
      this.setup({ data: data });
    } else {
      this.setup({ reauth_token: accountIdOrToken });
    }
  };

  Connect.prototype.open = function () {
    if (!this.frame) {
      this.setup();
    }
    this.frame.style.visibility = "visible";
    this.frame.focus();
    this.handle({ type: "mono.connect.widget_opened", data: this.stamp({}) });
  };

  Connect.prototype.close = function () {
    this.teardown();
  };

  Connect.prototype.teardown = function () {
    if (this.listener) {
      global.removeEventListener("message", this.listener);
      this.listener = null;
    }
    if (this.frame) {
      this.frame.remove();
      this.frame = null;
    }
  };

  Connect.prototype.stamp = function (data) {
    if (this.config.reference && data.reference === undefined) {
      data.reference = this.config.reference;
    }
    if (data.timestamp === undefined) {
      data.timestamp = Date.now();
    }
    return data;
  };

  /** One message from the widget: Mono's callbacks, in Mono's order. */
  Connect.prototype.handle = function (message) {
    var type = message.type;
    var data = message.data || {};
    if (type === "mono.connect.widget.closed") {
      this.close();
      this.onClose();
      return;
    }
    var name = EVENT_NAMES[type];
    if (!name) {
      return;
    }
    if (type === "mono.connect.widget_loaded") {
      this.onLoad();
    }
    this.onEvent(name, data);
    if (type === "mono.connect.widget.account_linked") {
      this.onSuccess({ code: data.code });
    }
  };

  global.Connect = Connect;
  global.MonoConnect = Connect;
})(window);
