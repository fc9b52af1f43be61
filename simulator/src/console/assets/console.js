/*
 * The monosim console: a page over the control API (/_sim/). Every button is one or two
 * control API calls, so what a person does here is what a test could do, and it is
 * recorded like any other call. The logs are polled once a second with `?since=` cursors:
 * nothing stays connected, a restarted simulator is picked up again.
 */
(function () {
  "use strict";

  var PUBLIC_KEY = document.body.getAttribute("data-public-key");
  var POLL_MS = 1000;
  /** Events and requests kept on the page; older ones leave it (the logs still have them). */
  var MAX_SHOWN = 500;

  var selected = null; // the selected account's id
  var cursors = { events: 0, deliveries: 0, requests: 0 };
  var events = {}; // event_id -> { li, summary, attempts, payload, record }
  var polling = false;

  function $(id) {
    return document.getElementById(id);
  }

  /** An element with attributes and children (strings become text, never HTML). */
  function h(tag, attributes) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") element.textContent = value;
      else if (name.slice(0, 2) === "on") element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return element;
  }

  function say(message, isError) {
    var status = $("status");
    status.textContent = message;
    status.className = isError ? "error" : "";
  }

  /** One control API call; refusals become errors carrying the simulator's message. */
  function api(method, path, body) {
    var options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = text;
        }
        if (!response.ok) {
          var message = (data && data.message) || text || response.statusText;
          throw new Error(method + " " + path + ": " + response.status + " " + message);
        }
        return data;
      });
    });
  }

  /**
   * Runs a user's action: says what it did (the text `run` resolves to, if any) or what
   * went wrong, then refreshes.
   */
  function act(label, run) {
    say(label + "…");
    return Promise.resolve()
      .then(run)
      .then(function (outcome) {
        say(typeof outcome === "string" ? outcome : label + ": done");
      })
      .catch(function (error) {
        say(label + " failed. " + error.message, true);
      })
      .then(refresh);
  }

  function shortTime(timestamp) {
    return timestamp ? timestamp.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "";
  }

  // ---- clock, webhook targets, faults ----------------------------------------------------

  function renderState(state) {
    $("clock-now").textContent = shortTime(state.now) + " UTC";
    var mode = $("clock-mode");
    mode.textContent = state.frozen ? "frozen" : "running";
    mode.className = "badge " + (state.frozen ? "frozen" : "running");
    $("freeze").disabled = state.frozen;
    $("resume").disabled = !state.frozen;
    $("targets").textContent = state.webhooks.urls.length ? state.webhooks.urls.join(", ") : "nowhere (PUT /_sim/webhooks)";
    var list = $("faults");
    list.textContent = "";
    state.faults.forEach(function (fault) {
      list.appendChild(h("li", { text: describeFault(fault) }));
    });
    if (!state.faults.length) list.appendChild(h("li", { class: "muted", text: "none" }));
  }

  function describeFault(fault) {
    var words = [fault.kind];
    Object.keys(fault).forEach(function (key) {
      if (key !== "kind" && key !== "id" && fault[key] !== null && fault[key] !== undefined) {
        words.push(key + "=" + (typeof fault[key] === "object" ? JSON.stringify(fault[key]) : fault[key]));
      }
    });
    return words.join(" ");
  }

  // ---- accounts ------------------------------------------------------------------------

  var shownAccounts = "";

  function renderAccounts(listing) {
    // Rebuilt only when something changed, so a focused button keeps its focus.
    var key = JSON.stringify(listing) + selected;
    if (key === shownAccounts) return;
    shownAccounts = key;
    var body = $("accounts").tBodies[0];
    body.textContent = "";
    listing.accounts.forEach(function (account) {
      var token = account.token;
      var tokenText = token
        ? token.value + (token.used ? " (used)" : token.expired ? " (expired)" : " until " + shortTime(token.expires_at).slice(11))
        : "";
      var row = h(
        "tr",
        { "data-account": account.id, class: account.id === selected ? "selected" : null },
        h(
          "td",
          {},
          h("button", { type: "button", class: "account", "aria-pressed": String(account.id === selected), onclick: function () { select(account.id); } }, account.id),
          h("div", { class: "muted bank", text: account.institution + " · " + account.mfa.replace("_", " ") })
        ),
        h("td", { class: "stage", text: account.stage }),
        h("td", { class: "data-status", text: account.data_status }),
        h("td", { class: "session", text: account.session_expired ? "expired (re-auth pending)" : "ok" }),
        h("td", { class: "token", text: tokenText })
      );
      body.appendChild(row);
      if (account.id === selected) renderActions(account);
    });
    $("accounts-more").textContent =
      listing.matching > listing.accounts.length ? "Showing " + listing.accounts.length + " of " + listing.matching + "; search to narrow." : "";
  }

  function renderActions(account) {
    $("actions").hidden = false;
    $("selected-account").textContent = account.id;
    var linked = account.stage === "linked";
    $("link").disabled = linked;
    ["expire", "reauth", "unlink", "sync", "fire"].forEach(function (id) {
      $(id).disabled = !linked;
    });
  }

  function select(id) {
    selected = id;
    refreshAccounts();
  }

  function refreshAccounts() {
    var q = $("account-search").value.trim();
    return api("GET", "/_sim/accounts?limit=200" + (q ? "&q=" + encodeURIComponent(q) : "")).then(renderAccounts);
  }

  // ---- deliveries and requests ----------------------------------------------------------

  /** The list item of one event, made on first sight (from its record or an attempt). */
  function entry(eventId, name, account) {
    var found = events[eventId];
    if (found) return found;
    var summary = h("summary", {});
    var attempts = h(
      "table",
      { class: "attempts" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Attempt" }), h("th", { scope: "col", text: "Sent" }), h("th", { scope: "col", text: "Outcome" }), h("th", { scope: "col", text: "Answer" }), h("th", { scope: "col", text: "Took" }), h("th", { scope: "col", text: "Next" }))),
      h("tbody", {})
    );
    var payload = h("pre", { class: "payload", text: "(payload not kept)" });
    var resend = h("button", {
      type: "button",
      class: "resend",
      onclick: function () {
        act("Resend " + eventId, function () {
          return api("POST", "/_sim/events/" + encodeURIComponent(eventId) + "/resend");
        });
      }
    }, "Resend");
    var li = h(
      "li",
      { class: "event", "data-event-id": eventId, "data-event": name },
      h("details", {}, summary, attempts, h("h3", { text: "Payload" }), payload, h("p", {}, resend))
    );
    var item = { li: li, summary: summary, attempts: attempts, payload: payload, name: name, account: account, rows: [] };
    events[eventId] = item;
    var list = $("deliveries");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_SHOWN) {
      var oldest = list.lastElementChild;
      delete events[oldest.getAttribute("data-event-id")];
      oldest.remove();
    }
    renderSummary(eventId);
    return item;
  }

  function renderSummary(eventId) {
    var item = events[eventId];
    var last = item.rows[item.rows.length - 1];
    var outcome = last ? last.outcome : "queued";
    var answer = last ? (last.status ? String(last.status) : last.error || "") : "";
    item.li.setAttribute("data-outcome", outcome);
    item.summary.textContent = "";
    item.summary.appendChild(h("span", { class: "when", text: item.firedAt ? shortTime(item.firedAt).slice(11) : "" }));
    item.summary.appendChild(h("span", { class: "name", text: item.name.replace(/^mono\.(events\.)?/, "") }));
    item.summary.appendChild(h("code", { class: "acct", text: item.account ? item.account.slice(-6) : "" }));
    item.summary.appendChild(h("span", { class: "badge " + outcome, text: outcome + (answer ? " " + answer : "") }));
    item.summary.appendChild(h("span", { class: "muted", text: item.rows.length + (item.rows.length === 1 ? " attempt" : " attempts") }));
  }

  function addEvent(record) {
    var item = entry(record.event_id, record.event, record.account);
    item.firedAt = record.fired_at;
    item.payload.textContent = JSON.stringify(record.payload, null, 2);
    renderSummary(record.event_id);
  }

  function addAttempt(attempt) {
    var item = entry(attempt.event_id, attempt.event, attempt.account);
    item.rows.push(attempt);
    var answer = attempt.status ? String(attempt.status) : "";
    if (attempt.error) answer += (answer ? " " : "") + attempt.error;
    if (attempt.secret !== "correct") answer += " (secret " + attempt.secret + ")";
    item.attempts.tBodies[0].appendChild(
      h(
        "tr",
        { class: attempt.outcome },
        h("td", { text: "#" + attempt.attempt + (item.rows.filter(function (r) { return r.delivery !== attempt.delivery; }).length ? " (delivery " + attempt.delivery + ")" : "") }),
        h("td", { text: shortTime(attempt.sent_at).slice(11) }),
        h("td", { text: attempt.outcome }),
        h("td", { text: answer || "—" }),
        h("td", { text: Math.round(attempt.latency_ms) + " ms" }),
        h("td", { text: attempt.next_attempt_at ? shortTime(attempt.next_attempt_at).slice(11) : "" })
      )
    );
    renderSummary(attempt.event_id);
  }

  function addRequest(request) {
    var body = $("requests").tBodies[0];
    body.insertBefore(
      h(
        "tr",
        { class: request.status >= 400 ? "failed" : null },
        h("td", { text: String(request.seq) }),
        h("td", { text: shortTime(request.at).slice(11) }),
        h("td", {}, h("code", { text: request.method + " " + request.path + (request.query ? "?" + request.query : "") })),
        h("td", { text: request.intent || "" }),
        h("td", { text: String(request.status) })
      ),
      body.firstChild
    );
    while (body.rows.length > MAX_SHOWN) body.deleteRow(-1);
  }

  function pollLogs() {
    return Promise.all([
      api("GET", "/_sim/events?since=" + cursors.events),
      api("GET", "/_sim/deliveries?since=" + cursors.deliveries),
      api("GET", "/_sim/requests?since=" + cursors.requests)
    ]).then(function (answers) {
      answers[0].events.forEach(function (record) {
        addEvent(record);
        cursors.events = record.seq;
      });
      answers[1].deliveries.forEach(function (attempt) {
        addAttempt(attempt);
        cursors.deliveries = attempt.seq;
      });
      answers[2].requests.forEach(function (request) {
        addRequest(request);
        cursors.requests = request.seq;
      });
    });
  }

  function forgetLogs() {
    events = {};
    $("deliveries").textContent = "";
    $("requests").tBodies[0].textContent = "";
  }

  // ---- the loop ------------------------------------------------------------------------

  function refresh() {
    if (polling) return Promise.resolve();
    polling = true;
    return Promise.all([api("GET", "/_sim/state").then(renderState), refreshAccounts(), pollLogs()])
      .catch(function (error) {
        say("Lost touch with the simulator: " + error.message, true);
      })
      .then(function () {
        polling = false;
        document.body.setAttribute("data-refreshed", String(Date.now()));
      });
  }

  // ---- actions -------------------------------------------------------------------------

  function onSubmit(id, run) {
    $(id).addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
  }

  function onClick(id, run) {
    $(id).addEventListener("click", run);
  }

  function forSelected(label, run) {
    if (!selected) return say("Select an account first.", true);
    return act(label, function () {
      return run(selected);
    });
  }

  onSubmit("advance-form", function () {
    var by = $("advance-by").value.trim();
    act("Advance the clock by " + by, function () {
      return api("POST", "/_sim/clock/advance", { by: by });
    });
  });
  onClick("freeze", function () {
    act("Freeze the clock", function () { return api("POST", "/_sim/clock/freeze"); });
  });
  onClick("resume", function () {
    act("Let the clock run", function () { return api("POST", "/_sim/clock/resume"); });
  });
  onClick("reset", function () {
    if (!window.confirm("Back to the starting world: accounts, logs, faults and the recording?")) return;
    act("Reset", function () {
      return api("POST", "/_sim/reset").then(function () {
        selected = null;
        $("actions").hidden = true;
        forgetLogs();
      });
    });
  });

  $("account-search").addEventListener("input", function () {
    refreshAccounts().catch(function (error) { say(error.message, true); });
  });

  onSubmit("new-account", function () {
    act("Link a new account", function () {
      return api("POST", "/_sim/accounts", {
        institution: $("new-institution").value,
        mfa: $("new-mfa").value
      }).then(function (account) {
        selected = account.id;
      });
    });
  });

  onClick("link", function () {
    forSelected("Link", function (id) { return api("POST", "/_sim/accounts/" + id + "/link"); });
  });
  onClick("expire", function () {
    forSelected("Expire the bank session", function (id) { return api("POST", "/_sim/accounts/" + id + "/expire-session"); });
  });
  onClick("unlink", function () {
    forSelected("Unlink", function (id) { return api("POST", "/_sim/accounts/" + id + "/unlink"); });
  });
  onSubmit("sync-form", function () {
    var outcome = $("sync-outcome").value;
    forSelected("Sync (" + outcome + ")", function (id) {
      var first = outcome === "success"
        ? Promise.resolve()
        : api("POST", "/_sim/faults", { kind: "sync_code", code: outcome, account: id, count: 1 });
      return first.then(function () {
        return api("POST", "/_sim/accounts/" + id + "/auto-sync");
      }).then(function (answer) {
        return "Sync: " + answer.result.status + " " + answer.result.code;
      });
    });
  });
  onSubmit("fire-form", function () {
    var name = $("fire-event").value.trim();
    var status = $("fire-status").value;
    forSelected("Fire " + name, function (id) {
      var body = { event: name, account: id };
      if (status) body.data_status = status;
      return api("POST", "/_sim/events", body);
    });
  });

  /** The Connect widget, opened the way an integrator's page opens it (connect.js 2.1+). */
  onClick("reauth", function () {
    if (!selected) return say("Select an account first.", true);
    var id = selected;
    var connect = new window.Connect({
      key: PUBLIC_KEY,
      onSuccess: function () {
        say("Re-authorised " + id + " in the widget");
      },
      onClose: function () {
        refresh();
      }
    });
    connect.reauthorise(id);
    connect.open();
  });

  onSubmit("fault-form", function () {
    var kind = $("fault-kind").value;
    var fault = kind === "reauthorise_500"
      ? { kind: "status", status: 500, endpoint: "reauthorise" }
      : { kind: kind };
    var event = $("fault-event").value.trim();
    if (event && kind !== "reauthorise_500") fault.event = event;
    if (kind === "reorder" || kind === "delay") fault.by = $("fault-by").value.trim();
    if ($("fault-selected").checked) {
      if (!selected) return say("Select an account first.", true);
      fault.account = selected;
    }
    act("Add fault " + kind, function () { return api("POST", "/_sim/faults", fault); });
  });
  onClick("clear-faults", function () {
    act("Clear faults", function () { return api("DELETE", "/_sim/faults"); });
  });

  /** The recording as a scenario file: shown, and offered as a download. */
  onClick("save-scenario", function () {
    act("Save as scenario", function () {
      return fetch("/_sim/recording.yaml").then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) throw new Error("GET /_sim/recording.yaml: " + response.status + " " + text);
          $("scenario").textContent = text;
          var link = $("scenario-download");
          if (link.getAttribute("data-url")) URL.revokeObjectURL(link.getAttribute("data-url"));
          var url = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
          link.setAttribute("data-url", url);
          link.href = url;
          $("scenario-dialog").showModal();
        });
      });
    });
  });
  onClick("scenario-close", function () {
    $("scenario-dialog").close();
  });

  refresh();
  window.setInterval(refresh, POLL_MS);
})();
