"""``make demo``: run the pipeline against the local arXiv stand-in, with no network.

Serves the stand-in on 127.0.0.1, runs ``python -m pipeline run`` over the lists of
``data/raw/`` into ``data/enriched/demo/``, then a second time to show that a refresh
within ``--max-age`` sends no request.
"""

from __future__ import annotations

import sys

from pipeline.cli import main
from standin import FakeArxiv

OUT = "data/enriched/demo"


def demo() -> int:
    with FakeArxiv() as fake:
        print(f"arXiv stand-in listening on {fake.url}")
        common = [
            "--out",
            OUT,
            "--cache",
            "data/cache/demo.sqlite",
            "--api-url",
            fake.url,
            "--delay",
            "0.2",
        ]
        code = main(["run", *common, "--max-age", "0"])
        if code != 0:
            return code
        print("second run (nothing is stale):")
        code = main(["run", *common])
        print(f"the stand-in saw {len(fake.log)} requests in all")
        return code


if __name__ == "__main__":
    sys.exit(demo())
