"""Schemathesis hooks for scripts/schemathesis: keep the generated requests safe to send.

The control API can point webhooks anywhere and inject faults whose whole point is to
misbehave. A fuzzer must not make the simulator send webhooks off this machine (or to
another program's port on it), nor ask it for the 5xx answers and ten-minute hangs that
faults exist to produce: those would be findings about the request, not the server.
Everything else the document allows is generated as usual.
"""

import schemathesis


@schemathesis.hook("filter_body").apply_to(method="PUT", path="/_sim/webhooks")
def only_no_webhook_targets(context, body):
    """Webhook URLs may only be cleared; an invalid body (refused with 400) is fine too."""
    if not isinstance(body, dict) or not isinstance(body.get("urls"), list):
        return True
    urls = body["urls"]
    return urls == [] or not all(isinstance(url, str) for url in urls)


@schemathesis.hook("filter_body").apply_to(method="POST", path="/_sim/faults")
def no_hangs_or_server_errors(context, body):
    """No `hang` faults, and no `status` faults of 5xx."""
    if not isinstance(body, dict):
        return True
    kind = body.get("kind")
    if kind == "hang":
        return False
    status = body.get("status")
    return not (kind == "status" and isinstance(status, int) and status >= 500)
