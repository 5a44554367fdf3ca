"""``python -m pipeline ARGS`` in a forked copy of this process, cut off after a timeout.

For commands that could block for good when they go wrong (opening a FIFO waits for a
writer): like ``tests.conftest.run_cli`` the test survives a hang, and like
``tests.conftest.cli`` it costs no new interpreter.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import ROOT, Result, cli


def cli_forked(args: Sequence[str], cwd: Path = ROOT, timeout: float = 20) -> Result:
    """``cli(ARGS)`` in a child process; TimeoutError (the child killed) after ``timeout``."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, and leave without this process's exit handlers
        code = 70
        try:
            os.close(read_end)
            result = cli(args, cwd=cwd)
            os.write(write_end, json.dumps(dataclasses.asdict(result)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    said = bytearray()
    ends = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], max(0.0, ends - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise TimeoutError(f"{' '.join(args)}: still running after {timeout} s")
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            said += chunk
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)}: the forked run failed ({status})")
    return Result(**json.loads(said))
