"""Runs the unmodified `mono-sdk` client (PyPI, 0.1.4) against a running monosim.

The only change made to the client is its base URL: `MonoConnectClient.BASE_URL`, which
every method reads through `self`, is overridden on the instance.

Env: MONOSIM_URL, MONOSIM_SECRET_KEY, MONOSIM_ACCOUNT_ID, MONOSIM_ACCOUNT_CODE.
Prints one line per check; exits non-zero on the first failure. It unlinks the account
last, so give it an account no other check needs.
"""

import os
import re
import sys
import time
import traceback

from mono_connect import MonoConnectClient, MonoConnectError


def env(name):
    value = os.environ.get(name)
    if not value:
        print(f"FAIL: environment variable {name} is not set", file=sys.stderr)
        sys.exit(2)
    return value


URL = env("MONOSIM_URL")
SECRET_KEY = env("MONOSIM_SECRET_KEY")
ACCOUNT_ID = env("MONOSIM_ACCOUNT_ID")
CODE = env("MONOSIM_ACCOUNT_CODE")

HEX24 = re.compile(r"^[0-9a-f]{24}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

assert MonoConnectClient.BASE_URL == "https://api.withmono.com"
mono = MonoConnectClient(SECRET_KEY)
mono.BASE_URL = URL

# The SDK returns only the JSON body; a response hook on its own session lets the checks
# see the headers too (for `x-realtime`), without changing what the SDK does.
responses = []
mono.session.hooks["response"].append(lambda r, *a, **k: responses.append(r))


def last_response():
    assert responses, "the SDK made a request"
    return responses[-1]


def is_int(value, what):
    assert isinstance(value, int) and not isinstance(value, bool), (
        f"{what} is an integer (kobo), got {value!r}"
    )


def is_str(value, what):
    assert isinstance(value, str) and value, f"{what} is a non-empty string, got {value!r}"


def envelope(body, what):
    """Checks v2's envelope and returns its `data`."""
    assert body.get("status") == "successful", f"{what}: status is successful, got {body!r}"
    is_str(body.get("message"), f"{what}.message")
    assert ISO_DATE.match(body.get("timestamp", "")), f"{what}.timestamp is ISO-8601"
    assert "data" in body, f"{what} has data"
    return body["data"]


def check_transaction(tx, what):
    assert HEX24.match(tx["id"]), f"{what}.id is 24 hex digits, got {tx['id']!r}"
    assert tx["type"] in ("debit", "credit"), f"{what}.type, got {tx['type']!r}"
    is_int(tx["amount"], f"{what}.amount")
    assert tx["amount"] > 0, f"{what}.amount is positive"
    is_int(tx["balance"], f"{what}.balance")
    is_str(tx["narration"], f"{what}.narration")
    assert ISO_DATE.match(tx["date"]), f"{what}.date is ISO-8601, got {tx['date']!r}"


CHECKS = []


def check(name):
    def register(fn):
        CHECKS.append((name, fn))
        return fn

    return register


state = {}


@check("token_exchange gives the account id")
def _():
    body = mono.token_exchange(CODE)
    # Mono's v2 docs show the id at the top level and inside `data`; accept either.
    account_id = body.get("id") or (body.get("data") or {}).get("id")
    assert account_id == ACCOUNT_ID, f"exchanged id {account_id!r} != {ACCOUNT_ID!r}"


@check("get_account_details")
def _():
    data = envelope(mono.get_account_details(ACCOUNT_ID), "details")
    account = data["account"]
    assert account["id"] == ACCOUNT_ID
    assert HEX24.match(account["id"])
    is_str(account["name"], "account.name")
    assert re.match(r"^\d{10}$", account["account_number"]), "account_number is a NUBAN"
    assert account["currency"] == "NGN"
    is_str(account["type"], "account.type")
    is_int(account["balance"], "account.balance")
    is_str(account["institution"]["name"], "institution.name")
    is_str(account["institution"]["bank_code"], "institution.bank_code")
    is_str(data["meta"]["data_status"], "meta.data_status")
    assert HEX24.match(data["customer"]["id"]), "customer.id is 24 hex digits"
    state["name"] = account["name"]
    state["balance"] = account["balance"]
    return f"{account['name']}, {account['institution']['name']} {account['account_number']}"


@check("get_account_identity")
def _():
    data = envelope(mono.get_account_identity(ACCOUNT_ID), "identity")
    is_str(data["full_name"], "full_name")
    assert data["full_name"] == state["name"], "identity and account name agree"
    assert re.match(r"^\d{11}$", data["bvn"]), "bvn is 11 digits"
    assert re.match(r"^[^@\s]+@[^@\s]+$", data["email"]), "email"
    is_str(data["phone"], "phone")
    assert re.match(r"^\d{4}-\d{2}-\d{2}", data["dob"]), "dob"
    return data["full_name"]


@check("get_transactions(type='debit', limit=5), and page 2 through the same call")
def _():
    body = mono.get_transactions(ACCOUNT_ID, type="debit", limit=5)
    data = envelope(body, "transactions")
    assert isinstance(data, list) and 0 < len(data) <= 5, f"1..5 rows, got {len(data)}"
    for i, tx in enumerate(data):
        check_transaction(tx, f"data[{i}]")
        assert tx["type"] == "debit", f"data[{i}] is a debit"
    meta = body["meta"]
    is_int(meta["total"], "meta.total")
    assert meta["page"] == 1 and meta["previous"] is None
    assert meta["total"] > 5, "enough debits to page through"
    is_str(meta["next"], "meta.next")
    assert "page=2" in meta["next"] and "type=debit" in meta["next"], meta["next"]
    second = mono.get_transactions(ACCOUNT_ID, type="debit", limit=5, page=2)
    rows = envelope(second, "page 2")
    assert second["meta"]["page"] == 2
    assert second["meta"]["total"] == meta["total"]
    assert second["meta"]["previous"], "page 2 links back to page 1"
    assert all(tx["type"] == "debit" for tx in rows), "page 2 holds only debits"
    assert not {tx["id"] for tx in rows} & {tx["id"] for tx in data}, "no row repeats"
    return f"{meta['total']} debits"


@check("get_account_balance(realtime=True)")
def _():
    data = envelope(mono.get_account_balance(ACCOUNT_ID, realtime=True), "balance")
    assert data["id"] == ACCOUNT_ID
    is_int(data["balance"], "balance")
    assert data["balance"] == state["balance"], "balance agrees with the account details"
    assert data["currency"] == "NGN"
    response = last_response()
    assert response.request.headers.get("x-realtime") == "true", "the SDK sent x-realtime"
    assert response.headers.get("x-job-status"), "a realtime answer names its job"
    return f"{data['balance']}, job {response.headers.get('x-job-id')}"


@check("get_account_balance(realtime=False)")
def _():
    data = envelope(mono.get_account_balance(ACCOUNT_ID, realtime=False), "balance")
    is_int(data["balance"], "balance")
    response = last_response()
    assert "x-realtime" not in response.request.headers
    assert "x-job-id" not in response.headers, "a cached answer starts no job"
    return str(data["balance"])


@check("get_account_statement(period='last3months')")
def _():
    data = envelope(mono.get_account_statement(ACCOUNT_ID, period="last3months"), "statement")
    assert data["count"] == len(data["statement"]), "count counts the lines"
    is_int(data["requested_length"], "requested_length")
    for i, line in enumerate(data["statement"]):
        assert HEX24.match(line["id"]), f"statement[{i}].id is 24 hex digits"
        is_int(line["amount"], f"statement[{i}].amount")
        is_int(line["balance"], f"statement[{i}].balance")
        assert ISO_DATE.match(line["date"]), f"statement[{i}].date"
    return f"{data['count']} lines"


@check("get_account_statement(output='pdf') then get_account_statement_job, and the PDF")
def _():
    job = envelope(
        mono.get_account_statement(ACCOUNT_ID, period="last3months", output="pdf"),
        "pdf statement",
    )
    is_str(job["id"], "job id")
    is_str(job["status"], "job status")
    for _attempt in range(20):
        polled = envelope(mono.get_account_statement_job(ACCOUNT_ID, job["id"]), "job")
        assert polled["id"] == job["id"]
        if polled["status"] == "BUILT":
            break
        time.sleep(0.1)
    assert polled["status"] == "BUILT", f"built within 20 polls, got {polled!r}"
    is_str(polled["path"], "path")
    pdf = mono.session.get(polled["path"])
    assert pdf.status_code == 200, f"GET {polled['path']}: {pdf.status_code}"
    assert pdf.content[:4] == b"%PDF", "the file is a PDF"
    return f"job {job['id']}, {len(pdf.content)} bytes"


@check("initiate_account_reauth (scope reauth) gives a mono_url for the account")
def _():
    data = envelope(
        mono.initiate_account_reauth(
            {
                "meta": {"ref": "check-reauth"},
                "scope": "reauth",
                "account": ACCOUNT_ID,
                "redirect_url": "https://example.com/back",
            }
        ),
        "initiate reauth",
    )
    assert data["scope"] == "reauth", data
    assert data["account"] == ACCOUNT_ID, data
    assert data["meta"]["ref"] == "check-reauth", data
    is_str(data["mono_url"], "mono_url")
    assert data["mono_url"].startswith(URL), f"mono_url is on the simulator: {data['mono_url']}"
    return data["mono_url"][len(URL):][:40]


@check("initiate_account_linking (scope auth) gives a mono_url for a new link")
def _():
    data = envelope(
        mono.initiate_account_linking(
            {
                "customer": {"name": "Ada Obi", "email": "ada@example.com"},
                "meta": {"ref": "check-link"},
                "scope": "auth",
                "redirect_url": "https://example.com/back",
            }
        ),
        "initiate link",
    )
    assert data["scope"] == "auth", data
    assert "account" not in data, "a new link has no account yet"
    assert HEX24.match(data["customer"]), f"customer id, got {data['customer']!r}"
    is_str(data["mono_url"], "mono_url")
    return data["mono_url"][len(URL):][:40]


@check("errors raise MonoConnectError: unknown account is a 404")
def _():
    try:
        mono.get_account_details("000000000000000000000000")
    except MonoConnectError as e:
        assert str(e).startswith("404:"), str(e)
    else:
        raise AssertionError("no MonoConnectError")


@check("unlink_account, after which the account is gone (404)")
def _():
    body = mono.unlink_account(ACCOUNT_ID)
    assert body.get("status") == "successful", body
    try:
        mono.get_account_details(ACCOUNT_ID)
    except MonoConnectError as e:
        assert str(e).startswith("404:"), f"expected a 404, got {e}"
        return str(e)[:80]
    raise AssertionError("details of an unlinked account still answered")


def main():
    for name, fn in CHECKS:
        try:
            detail = fn()
        except Exception:  # noqa: BLE001 - any failure fails the run, with its trace
            print(f"FAIL {name}", flush=True)
            print(f"FAIL {name}:\n{traceback.format_exc()}", file=sys.stderr)
            sys.exit(1)
        print(f"ok   {name}" + (f" ({detail})" if detail else ""), flush=True)
    print(f"mono-sdk: all {len(CHECKS)} checks passed")


if __name__ == "__main__":
    main()
