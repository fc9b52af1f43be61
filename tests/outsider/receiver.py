#!/usr/bin/env python3
"""A Mono webhook receiver of another design than the reference receivers', written from
Mono's docs as an integrator who never saw monosim would: the test that the bundled library
judges the contract, not our own receivers' shapes (tests/outsider.rs).

Where it differs from examples/*:
  - it acknowledges every genuine webhook at once (Mono documents a 2xx as a receipt, "not
    acknowledgement that it was successfully processed") and does the work on a queue, in
    arrival order, retrying Mono API calls itself;
  - it speaks the v2 API: re-auth through POST /v2/accounts/initiate, storing the mono_url
    its frontend opens; on account_connected it fetches the account's details (as Mono's
    DirectPay page suggests), keeping the name and the balance shown then; afterwards it
    takes balances from the account_updated payload;
  - its state is its own: a status in its own words, no re-auth flag (an account needs
    re-auth while it holds a link), and an unlinked account is deleted.

Environment: PORT, MONO_BASE_URL, MONO_SECRET_KEY, MONO_WEBHOOK_SEC.
Routes: POST /webhook, GET /health, GET /accounts/<id> (404 when unknown or deleted).
"""

import json
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8080"))
MONO = os.environ.get("MONO_BASE_URL", "https://api.withmono.com").rstrip("/")
SECRET_KEY = os.environ.get("MONO_SECRET_KEY", "")
WEBHOOK_SECRET = os.environ.get("MONO_WEBHOOK_SEC", "")

# What we show our users, in our words.
STATUS_WORDS = {
    "AVAILABLE": "ready",
    "PARTIAL": "partial",
    "PROCESSING": "syncing",
    "UNAVAILABLE": "no-data",
    "FAILED": "error",
}

accounts = {}  # mono id -> {"status", "balance", "reauth": {"link"} | None, "updated": datetime}
seen = set()
lock = threading.Lock()
work = queue.Queue()


def when(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def reauth_link(account_id):
    """A fresh re-auth session; retried here, since the webhook was acknowledged already."""
    body = json.dumps({"scope": "reauth", "account": account_id, "meta": {"ref": account_id}}).encode()
    for attempt in range(40):
        request = urllib.request.Request(
            MONO + "/v2/accounts/initiate",
            data=body,
            method="POST",
            headers={"mono-sec-key": SECRET_KEY, "content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return json.loads(answer.read())["data"]["mono_url"]
        except urllib.error.HTTPError as error:
            if error.code != 429 and error.code < 500:
                return None  # Mono refused (the account is gone, say): asking again won't help
        except OSError:
            pass  # no answer: try again
        time.sleep(0.02 * (attempt + 1))  # rate limited, or Mono had a bad moment
    return None


def details(account_id):
    """The account object, or None: a nicety, so a failure is not retried."""
    request = urllib.request.Request(
        f"{MONO}/v2/accounts/{account_id}", headers={"mono-sec-key": SECRET_KEY}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())["data"]["account"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def process(event):
    name = event.get("event")
    data = event.get("data") or {}
    account = data.get("account") or {}
    stamp = when(event.get("timestamp"))
    if name == "mono.events.account_connected":
        found = details(data.get("id")) or {}
        with lock:
            row = accounts.setdefault(data.get("id"), {"status": "syncing", "balance": None, "reauth": None, "updated": None})
            row["name"] = found.get("name")
            if found.get("balance") is not None:
                row["balance"] = found["balance"]
    elif name == "mono.events.account_updated":
        account_id = account.get("_id")
        status = (data.get("meta") or {}).get("data_status")
        with lock:
            row = accounts.setdefault(account_id, {"status": None, "balance": None, "reauth": None, "updated": None})
            if stamp and row["updated"] and stamp < row["updated"]:
                return  # older than what we show
            row["updated"] = stamp or row["updated"]
            row["status"] = STATUS_WORDS.get(status, status)
            if status in ("AVAILABLE", "PARTIAL"):
                row["balance"] = account.get("balance")
    elif name == "mono.events.reauthorisation_required":
        account_id = account.get("_id")
        link = reauth_link(account_id)
        with lock:
            row = accounts.setdefault(account_id, {"status": None, "balance": None, "reauth": None, "updated": None})
            row["reauth"] = {"link": link}
    elif name == "mono.events.account_reauthorized":
        with lock:
            row = accounts.get(account.get("_id"))
            if row:
                row["reauth"] = None
    elif name == "mono.events.account_unlinked":
        with lock:
            accounts.pop(account.get("_id") or account.get("id"), None)


def worker():
    while True:
        event = work.get()
        try:
            process(event)
        except Exception as error:  # keep the queue going; this receiver logs and moves on
            print(f"could not process {event.get('event')}: {error}", flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

    def answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, {"up": True})
        if self.path.startswith("/accounts/"):
            with lock:
                row = accounts.get(self.path.rsplit("/", 1)[-1])
                shown = None if row is None else {
                    "status": row["status"], "balance": row["balance"], "reauth": row["reauth"],
                }
            return self.answer(404, {}) if shown is None else self.answer(200, shown)
        self.answer(404, {})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("mono-webhook-secret") != WEBHOOK_SECRET:
            return self.answer(200, {})  # not Mono: say nothing, do nothing
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, {})
        event_id = event.get("event_id")
        with lock:
            duplicate = event_id is not None and event_id in seen
            if event_id is not None:
                seen.add(event_id)
        if not duplicate:
            work.put(event)
        self.answer(200, {"received": True})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    threading.Thread(target=worker, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    print(f"listening on {PORT}", flush=True)
    server.serve_forever()
