#!/usr/bin/env python3
"""Start-up to ready: the time from exec to the first successful HTTP answer.

Usage: startup.py RUNS PORT PATH [HEADER ...] -- COMMAND ...

Starts COMMAND RUNS times (it must listen on 127.0.0.1:PORT), and each time polls
`GET PATH` about every millisecond, over a raw socket (no client library start-up in the
loop), from just before the exec until an answer with status 200 arrives; then stops the
server. Prints the median and the worst, in milliseconds, as `median worst`. Every server is
measured the same way, so the figures compare; a server's own "ready" message is not used.
"""

import socket
import subprocess
import sys
import time


def answered(port: int, request: bytes) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(request)
            head = conn.recv(64)
            return head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def once(command: list[str], port: int, request: bytes, limit: float) -> float:
    start = time.perf_counter()
    server = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not answered(port, request):
            if server.poll() is not None:
                sys.exit(f"startup.py: {command[0]} exited with {server.returncode} before answering")
            if time.perf_counter() - start > limit:
                sys.exit(f"startup.py: {command[0]} did not answer within {limit} s")
            time.sleep(0.001)
        return (time.perf_counter() - start) * 1000
    finally:
        # Each server measured is one process (the node CLIs run in the process started).
        server.kill()
        server.wait()
        # The port must be free before the next start.
        deadline = time.perf_counter() + 5
        while answered(port, request):
            if time.perf_counter() > deadline:
                sys.exit(f"startup.py: something still answers on port {port} after {command[0]} ended")
            time.sleep(0.01)


def main() -> None:
    args = sys.argv[1:]
    if "--" not in args or len(args) < 4:
        sys.exit(__doc__)
    split = args.index("--")
    runs, port, path, *headers = args[:split]
    command = args[split + 1 :]
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", *headers]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    times = sorted(once(command, int(port), request, 60.0) for _ in range(int(runs)))
    print(f"{times[len(times) // 2]:.1f} {times[-1]:.1f}")


if __name__ == "__main__":
    main()
