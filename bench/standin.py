"""The arXiv stand-in serving synthetic records, in a process of its own.

Serving 100,000 records costs the stand-in CPU time and memory of its own; in a separate
process none of it is counted in the pipeline's rusage, nor competes with the bench for
the interpreter lock. ``python -m bench.standin N`` prints the URL on one line and serves
until its standard input is closed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.synthetic import synthetic_ids, synthetic_records
from standin import FakeArxiv

ROOT = Path(__file__).resolve().parent.parent


def serve(n: int) -> None:
    """Serve the first ``n`` synthetic records until standard input reaches its end."""
    with FakeArxiv(records=synthetic_records(synthetic_ids(n))) as fake:
        print(fake.url, flush=True)
        sys.stdin.read()


@contextmanager
def standin_process(n: int) -> Iterator[str]:
    """A stand-in process that knows the first ``n`` synthetic ids; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.standin", str(n)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the stand-in did not start (printed {url!r})")
        yield url
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
