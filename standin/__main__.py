"""``python -m standin [--port N]``: the local stand-in of the arXiv API, alone.

Prints the URL to give ``run --api-url`` and serves until Ctrl-C, with no faults, so that
``run`` can be tried offline with one's own options.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Sequence

from standin.server import FakeArxiv


def main(argv: Sequence[str] | None = None, stop: threading.Event | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m standin",
        description="Serve the local stand-in of the arXiv API on 127.0.0.1 until Ctrl-C.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: any free port)"
    )
    args = parser.parse_args(argv)
    try:
        fake = FakeArxiv(port=args.port)
    except OSError as err:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {err.strerror}", file=sys.stderr)
        return 1
    with fake:
        print(f"arXiv stand-in listening on {fake.url}", flush=True)
        print(f"try: python -m pipeline run --api-url {fake.url} --delay 0.2", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
            (stop or threading.Event()).wait()
    print(f"stopped after {len(fake.log)} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
