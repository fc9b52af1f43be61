#!/usr/bin/env python3
"""A Mono webhook receiver written the way Mono's data-sync guide recommends, in plain
Python (standard library only) with a real SQLite file. monosim's bundled scenarios run
against it; read it as an example of what "correct" looks like. It keeps the contract of
examples/README.md (rules 1-9), and RECEIVER_BUGS switches on mistakes real integrators make.

Environment:
  PORT              port to listen on (127.0.0.1)           default 3000
  MONO_BASE_URL     the Mono API (monosim's URL in tests)    default https://api.withmono.com
  MONO_SECRET_KEY   mono-sec-key for API calls
  MONO_WEBHOOK_SEC  the secret every webhook must carry in mono-webhook-secret
  DB_PATH           the SQLite file (recreated at start)     default receiver.db
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
    "no_fresh_token", "requires_event_id", "ignores_unlink",
}

LOCK = threading.Lock()


def bug(name):
    """Whether the bug switch `name` is on (examples/README.md, "Bug switches")."""
    return name in BUGS


def connect():
    db = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def mono(method, path):
    """Calls the Mono API; returns the parsed JSON answer (an HTTP error raises)."""
    request = urllib.request.Request(
        MONO + path, method=method, headers={"mono-sec-key": SECRET_KEY, "accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


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
    """Applies one webhook inside the caller's transaction; raising rolls it back."""
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
            return
        # Always a fresh token: the one stored earlier may have expired (10 minutes).
        token = mono("POST", f"/accounts/{mono_id}/reauthorise")["token"]
        DB.execute("UPDATE accounts SET reauth_required = 1, reauth_code = ? WHERE mono_id = ?", (token, mono_id))
    elif name == "mono.events.account_reauthorized":
        # The user re-authenticated: clear the flag and the now-used token.
        if not bug("never_clears_flag"):
            DB.execute(
                "UPDATE accounts SET reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (account["_id"],)
            )
    elif name == "mono.events.account_unlinked":
        if bug("ignores_unlink"):
            return
        mono_id = account.get("_id") or account.get("id")
        DB.execute(
            "UPDATE accounts SET linked = 0, reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (mono_id,)
        )
    elif bug("crashes_on_unknown"):
        raise ValueError(f"unknown event type {name!r}")
    # Any other event (sync_failed, jobs updates, events Mono adds later) is acknowledged.


def account_updated(event, mono_id, status):
    """Rule 5: order-tolerant, and data is fetched only when Mono says it is there."""
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
        balance = mono("GET", f"/v2/accounts/{mono_id}/balance")["data"]["balance"]
        DB.execute("UPDATE accounts SET balance = ? WHERE mono_id = ?", (balance, mono_id))


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
                handle(event)
                if event_id:
                    DB.execute("INSERT OR IGNORE INTO processed_events (event_id) VALUES (?)", (event_id,))
                DB.execute("COMMIT")
            except Exception as error:  # answer 500 so Mono retries; never ack lost work
                DB.execute("ROLLBACK")
                if bug("ack_then_drop"):
                    return self.reply(200, {"ok": True})  # the work is lost, and Mono never retries
                return self.reply(500, {"error": str(error)})
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
            reauth_code     TEXT,                         -- the guide's reauthCode
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
    DB = setup()
    server = Server(("127.0.0.1", PORT), Handler)
    print(f"receiver listening on http://127.0.0.1:{PORT}" + (f" with bugs {sorted(BUGS)}" if BUGS else ""), flush=True)
    server.serve_forever()
