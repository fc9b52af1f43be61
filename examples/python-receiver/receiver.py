#!/usr/bin/env python3
"""A Mono webhook receiver written the way Mono's data-sync guide recommends, in plain
Python (standard library only) with a real SQLite file. monosim's bundled scenarios run
against it; read it as an example of what "correct" looks like. It keeps the contract of
examples/README.md (rules 1-9), in any of the correct designs RECEIVER_STYLE picks (the
README's "Styles"), and RECEIVER_BUGS switches on mistakes real integrators make.

Environment:
  PORT              port to listen on (127.0.0.1)           default 3000
  MONO_BASE_URL     the Mono API (monosim's URL in tests)    default https://api.withmono.com
  MONO_SECRET_KEY   mono-sec-key for API calls
  MONO_WEBHOOK_SEC  the secret every webhook must carry in mono-webhook-secret
  DB_PATH           the SQLite file (recreated at start)     default receiver.db
  RECEIVER_STYLE    comma-separated design choices (v1 or v2, keep_flag, clear_on_update;
                    examples/README.md, "Styles"), empty = the default design
  RECEIVER_BUGS     comma-separated bug switches (examples/README.md), empty = correct

Routes:
  POST /webhook                     Mono's webhooks
  GET  /health                      200 once listening
  GET  /test/accounts/<id>          the stored row, as JSON (what monosim's state probe reads)
"""

import json
import os
import sqlite3
import threading
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "3000"))
MONO = os.environ.get("MONO_BASE_URL", "https://api.withmono.com").rstrip("/")
SECRET_KEY = os.environ.get("MONO_SECRET_KEY", "")
WEBHOOK_SECRET = os.environ.get("MONO_WEBHOOK_SEC", "")
DB_PATH = os.environ.get("DB_PATH", "receiver.db")
BUGS = {b.strip() for b in os.environ.get("RECEIVER_BUGS", "").split(",") if b.strip()}
KNOWN_BUGS = {
    "reads_data_id", "no_secret_check", "wrong_header", "never_clears_flag", "not_idempotent",
    "trusts_order", "processing_is_available", "ack_then_drop", "crashes_on_unknown",
    "no_fresh_token", "requires_event_id", "ignores_unlink", "ignores_updates_while_flagged",
}
# The design choices Mono's docs leave open (examples/README.md, "Styles"); each combination
# is a correct receiver. v1 / v2 pick the API that reads data and asks for tokens (default:
# GET /v2/accounts/<id>/balance and POST /accounts/<id>/reauthorise, as the guide); keep_flag
# keeps the account flagged when the token request fails (and answers 500) instead of rolling
# back; clear_on_update also clears the flag on an AVAILABLE account_updated newer than it.
STYLE = {s.strip() for s in os.environ.get("RECEIVER_STYLE", "").split(",") if s.strip()}
KNOWN_STYLES = {"v1", "v2", "keep_flag", "clear_on_update"}

LOCK = threading.Lock()


def bug(name):
    """Whether the bug switch `name` is on (examples/README.md, "Bug switches")."""
    return name in BUGS


def style(name):
    """Whether the design choice `name` is on (examples/README.md, "Styles")."""
    return name in STYLE


def connect():
    db = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def mono(method, path, body=None):
    """Calls the Mono API; returns the parsed JSON answer (an HTTP error raises)."""
    headers = {"mono-sec-key": SECRET_KEY, "accept": "application/json"}
    payload = None
    if body is not None:
        headers["content-type"] = "application/json"
        payload = json.dumps(body).encode()
    request = urllib.request.Request(MONO + path, data=payload, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


def balance_of(mono_id):
    """The account's balance, read the way this style reads data. The account object (v1,
    v2) shows a null balance until Mono has retrieved it: that is no balance, not a failure."""
    if style("v1"):
        return (mono("GET", f"/accounts/{mono_id}").get("account") or {}).get("balance")
    if style("v2"):
        return ((mono("GET", f"/v2/accounts/{mono_id}").get("data") or {}).get("account") or {}).get("balance")
    return mono("GET", f"/v2/accounts/{mono_id}/balance")["data"]["balance"]


def reauth_code(mono_id):
    """A re-auth token, or (v2) the mono_url that carries one: what the frontend needs."""
    if style("v2"):
        body = {
            "scope": "reauth",
            "account": mono_id,
            "meta": {"ref": f"reauth-{mono_id}"},
            "redirect_url": "https://app.example/reauthorised",
        }
        code = mono("POST", "/v2/accounts/initiate", body)["data"]["mono_url"]
    else:
        code = mono("POST", f"/accounts/{mono_id}/reauthorise")["token"]
    if not isinstance(code, str) or not code:
        raise ValueError("no re-auth code in the answer")
    return code


def instant(text):
    """A webhook's top-level `timestamp` (RFC 3339) as an aware datetime, or None."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def upsert(mono_id):
    DB.execute("INSERT OR IGNORE INTO accounts (mono_id) VALUES (?)", (mono_id,))


def handle(event):
    """Applies one webhook inside the caller's transaction; raising rolls it back. Returns
    None when the work is done, or (the keep_flag style) why the work kept so far is not
    finished: the caller then commits it without marking the event processed, and answers 500."""
    name = event.get("event", "")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    account = data.get("account") if isinstance(data.get("account"), dict) else {}
    if name == "mono.events.account_connected":
        # Rule 4: account_updated may overtake this event; data already in stays in.
        upsert(data["id"])
        DB.execute(
            "UPDATE accounts SET linked = 1, data_status = COALESCE(data_status, 'PROCESSING') WHERE mono_id = ?",
            (data["id"],),
        )
    elif name == "mono.events.account_updated":
        account_updated(event, account["_id"], (data.get("meta") or {}).get("data_status"))
    elif name == "mono.events.reauthorisation_required":
        mono_id = data["_id"] if bug("reads_data_id") else account["_id"]  # the id is inside `account`
        upsert(mono_id)
        flagged = DB.execute("SELECT reauth_required FROM accounts WHERE mono_id = ?", (mono_id,)).fetchone()[0]
        if bug("no_fresh_token") and flagged:
            return None
        # Always a fresh token: the one stored earlier may have expired (10 minutes).
        try:
            token, unfinished = reauth_code(mono_id), None
        except Exception as error:
            if not style("keep_flag"):
                raise
            # The keep_flag style: flag the account now (the code as it was), answer 500 for the retry.
            token, unfinished = None, f"no re-auth token yet ({error}): Mono will retry"
        stamp = event.get("timestamp")
        DB.execute(
            "UPDATE accounts SET reauth_required = 1, reauth_code = COALESCE(?, reauth_code), flagged_at = ?"
            " WHERE mono_id = ?",
            (token, stamp if isinstance(stamp, str) else None, mono_id),
        )
        return unfinished
    elif name == "mono.events.account_reauthorized":
        # The user re-authenticated: clear the flag and the now-used token (the
        # never_clears_flag bug forgets the flag, and only the flag).
        flag = 1 if bug("never_clears_flag") else 0
        DB.execute(
            "UPDATE accounts SET reauth_required = ?, reauth_code = NULL WHERE mono_id = ?", (flag, account["_id"])
        )
    elif name == "mono.events.account_unlinked":
        if bug("ignores_unlink"):
            return None
        mono_id = account.get("_id") or account.get("id")
        DB.execute(
            "UPDATE accounts SET linked = 0, reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (mono_id,)
        )
    elif name in ("mono.events.sync_failed", "mono.accounts.jobs.update"):
        pass  # known, nothing to store
    elif bug("crashes_on_unknown"):
        raise ValueError(f"unknown event type {name!r}")
    # Any other event (events Mono adds later) is acknowledged.
    return None


def account_updated(event, mono_id, status):
    """Rule 5: order-tolerant, and data is fetched only when Mono says it is there."""
    if bug("ignores_updates_while_flagged"):
        row = DB.execute("SELECT reauth_required FROM accounts WHERE mono_id = ?", (mono_id,)).fetchone()
        if row is not None and row[0]:
            return
    upsert(mono_id)
    stamp = event.get("timestamp")
    moment = instant(stamp)
    if moment is not None and not bug("trusts_order"):
        newest = instant(DB.execute("SELECT updated_ts FROM accounts WHERE mono_id = ?", (mono_id,)).fetchone()[0])
        if newest is not None and moment < newest:
            return  # older than what is already applied: a late retry or a reordered delivery
    if moment is not None:
        DB.execute("UPDATE accounts SET updated_ts = ? WHERE mono_id = ?", (stamp, mono_id))
    DB.execute("UPDATE accounts SET data_status = ? WHERE mono_id = ?", (status, mono_id))
    # Only data that is really there is fetched: PROCESSING / FAILED / UNAVAILABLE are not.
    if status in ("AVAILABLE", "PARTIAL") or bug("processing_is_available"):
        balance = balance_of(mono_id)
        DB.execute("UPDATE accounts SET balance = COALESCE(?, balance) WHERE mono_id = ?", (balance, mono_id))
    # The clear_on_update style: fresh data after the flag was set means the user re-authorised
    # (legacy payloads, without timestamps, count as newer).
    if style("clear_on_update") and status == "AVAILABLE" and not bug("never_clears_flag"):
        flagged_at = instant(DB.execute("SELECT flagged_at FROM accounts WHERE mono_id = ?", (mono_id,)).fetchone()[0])
        if moment is None or flagged_at is None or flagged_at < moment:
            DB.execute("UPDATE accounts SET reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (mono_id,))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

    def reply(self, status, body=None):
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"ok": True})
        if self.path.startswith("/test/accounts/"):
            mono_id = self.path.rsplit("/", 1)[-1]
            with LOCK:
                row = DB.execute("SELECT * FROM accounts WHERE mono_id = ?", (mono_id,)).fetchone()
            if row is None:
                return self.reply(404, {"error": "no such account"})
            return self.reply(
                200,
                {
                    "id": row["mono_id"],
                    "linked": bool(row["linked"]),
                    "dataStatus": row["data_status"],
                    "balance": row["balance"],
                    "reauthRequired": bool(row["reauth_required"]),
                    "reauthCode": row["reauth_code"],
                },
            )
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        if self.path != "/webhook":
            return self.reply(404, {"error": "not found"})
        # The raw secret, compared as a string: Mono does not sign webhooks.
        header = "mono-webhook-signature" if bug("wrong_header") else "mono-webhook-secret"
        if not bug("no_secret_check") and self.headers.get(header) != WEBHOOK_SECRET:
            return self.reply(401, {"error": "bad webhook secret"})
        try:
            event = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": "not JSON"})
        if not isinstance(event, dict):
            return self.reply(400, {"error": "not a JSON object"})
        event_id = event.get("event_id")
        with LOCK:
            # Mono retries with the same event_id: process each event once.
            seen = event_id and DB.execute("SELECT 1 FROM processed_events WHERE event_id = ?", (event_id,)).fetchone()
            if seen and not bug("not_idempotent"):
                return self.reply(200, {"duplicate": True})
            try:
                DB.execute("BEGIN")
                if not event_id and bug("requires_event_id"):
                    raise KeyError("event_id")
                unfinished = handle(event)
                # Work kept but not finished (a flag without its token) is committed without
                # marking the event processed, and answered 500 so Mono sends it again.
                if event_id and not unfinished:
                    DB.execute("INSERT OR IGNORE INTO processed_events (event_id) VALUES (?)", (event_id,))
                DB.execute("COMMIT")
            except Exception as error:  # answer 500 so Mono retries; never ack lost work
                DB.execute("ROLLBACK")
                if bug("ack_then_drop"):
                    return self.reply(200, {"ok": True})  # the work is lost, and Mono never retries
                return self.reply(500, {"error": str(error)})
            if unfinished:
                if bug("ack_then_drop"):
                    return self.reply(200, {"ok": True})  # the flag stays, but Mono never retries
                return self.reply(500, {"error": unfinished})
        self.reply(200, {"ok": True})

    def log_message(self, *args):
        pass


def setup():
    if os.path.dirname(DB_PATH):
        os.makedirs(os.path.dirname(DB_PATH), exist_ok=True)
    if os.path.exists(DB_PATH):
        os.remove(DB_PATH)
    db = connect()
    db.executescript(
        """
        CREATE TABLE accounts (
            mono_id         TEXT PRIMARY KEY,
            linked          INTEGER NOT NULL DEFAULT 1,
            data_status     TEXT,
            balance         INTEGER,
            reauth_required INTEGER NOT NULL DEFAULT 0,   -- the guide's reauthRequired
            reauth_code     TEXT,                         -- the guide's reauthCode (v2: the mono_url)
            flagged_at      TEXT,                         -- timestamp of the reauthorisation_required that set the flag
            updated_ts      TEXT                          -- timestamp of the newest account_updated applied
        );
        CREATE TABLE processed_events (event_id TEXT PRIMARY KEY);
        """
    )
    return db


DB = None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # Mono (and monosim) may open many connections at once


if __name__ == "__main__":
    unknown = BUGS - KNOWN_BUGS
    if unknown:
        raise SystemExit(f"unknown RECEIVER_BUGS: {', '.join(sorted(unknown))}")
    unknown = STYLE - KNOWN_STYLES
    if unknown:
        raise SystemExit(f"unknown RECEIVER_STYLE: {', '.join(sorted(unknown))}")
    if style("v1") and style("v2"):
        raise SystemExit("RECEIVER_STYLE names both v1 and v2: choose one")
    DB = setup()
    server = Server(("127.0.0.1", PORT), Handler)
    print(
        f"receiver listening on http://127.0.0.1:{PORT}"
        + (f" with style {sorted(STYLE)}" if STYLE else "")
        + (f" with bugs {sorted(BUGS)}" if BUGS else ""),
        flush=True,
    )
    server.serve_forever()
