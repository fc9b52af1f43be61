#!/usr/bin/env python3
"""A Mono webhook receiver written the way Mono's data-sync guide recommends, in plain
Python (standard library only) with a real SQLite file. monosim's bundled scenarios run
against it; read it as an example of what "correct" looks like.

Environment:
  PORT              port to listen on (127.0.0.1)           default 3000
  MONO_BASE_URL     the Mono API (monosim's URL in tests)    default https://api.withmono.com
  MONO_SECRET_KEY   mono-sec-key for API calls
  MONO_WEBHOOK_SEC  the secret every webhook must carry in mono-webhook-secret
  DB_PATH           the SQLite file (recreated at start)     default receiver.db

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "3000"))
MONO = os.environ.get("MONO_BASE_URL", "https://api.withmono.com").rstrip("/")
SECRET_KEY = os.environ.get("MONO_SECRET_KEY", "")
WEBHOOK_SECRET = os.environ.get("MONO_WEBHOOK_SEC", "")
DB_PATH = os.environ.get("DB_PATH", "receiver.db")

LOCK = threading.Lock()


def connect():
    db = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


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
            reauth_code     TEXT                          -- the guide's reauthCode
        );
        CREATE TABLE processed_events (event_id TEXT PRIMARY KEY);
        """
    )
    return db


DB = None


def mono(method, path):
    """Calls the Mono API; returns the parsed JSON answer."""
    request = urllib.request.Request(
        MONO + path, method=method, headers={"mono-sec-key": SECRET_KEY, "accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


def upsert(mono_id):
    DB.execute("INSERT OR IGNORE INTO accounts (mono_id) VALUES (?)", (mono_id,))


def handle(event):
    name = event.get("event", "")
    data = event.get("data") or {}
    account = data.get("account") or {}
    if name == "mono.events.account_connected":
        upsert(data["id"])
        DB.execute("UPDATE accounts SET linked = 1, data_status = 'PROCESSING' WHERE mono_id = ?", (data["id"],))
    elif name == "mono.events.account_updated":
        mono_id = account["_id"]
        status = (data.get("meta") or {}).get("data_status")
        upsert(mono_id)
        DB.execute("UPDATE accounts SET data_status = ? WHERE mono_id = ?", (status, mono_id))
        # Only data that is really there is fetched: PROCESSING / FAILED / UNAVAILABLE are not.
        if status in ("AVAILABLE", "PARTIAL"):
            balance = mono("GET", f"/v2/accounts/{mono_id}/balance")["data"]["balance"]
            DB.execute("UPDATE accounts SET balance = ? WHERE mono_id = ?", (balance, mono_id))
    elif name == "mono.events.reauthorisation_required":
        mono_id = account["_id"]  # not data["_id"]: the id is inside `account`
        token = mono("POST", f"/accounts/{mono_id}/reauthorise")["token"]
        upsert(mono_id)
        DB.execute(
            "UPDATE accounts SET reauth_required = 1, reauth_code = ? WHERE mono_id = ?", (token, mono_id)
        )
    elif name == "mono.events.account_reauthorized":
        DB.execute(
            "UPDATE accounts SET reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (account["_id"],)
        )
    elif name == "mono.events.account_unlinked":
        mono_id = account.get("_id") or account.get("id")
        DB.execute(
            "UPDATE accounts SET linked = 0, reauth_required = 0, reauth_code = NULL WHERE mono_id = ?", (mono_id,)
        )
    # Any other event (sync_failed, jobs updates, events Mono adds later) is acknowledged.


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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
        if self.headers.get("mono-webhook-secret") != WEBHOOK_SECRET:
            return self.reply(401, {"error": "bad webhook secret"})
        try:
            event = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": "not JSON"})
        event_id = event.get("event_id")
        with LOCK:
            # Mono retries with the same event_id: process each event once.
            if event_id and DB.execute("SELECT 1 FROM processed_events WHERE event_id = ?", (event_id,)).fetchone():
                return self.reply(200, {"duplicate": True})
            try:
                DB.execute("BEGIN")
                handle(event)
                if event_id:
                    DB.execute("INSERT INTO processed_events (event_id) VALUES (?)", (event_id,))
                DB.execute("COMMIT")
            except Exception as error:  # answer 500 so Mono retries; never ack lost work
                DB.execute("ROLLBACK")
                return self.reply(500, {"error": str(error)})
        self.reply(200, {"ok": True})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    DB = setup()
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"receiver listening on http://127.0.0.1:{PORT}", flush=True)
    server.serve_forever()
