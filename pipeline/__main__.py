"""``python -m pipeline``: see ``pipeline.cli``."""

import signal
import sys

try:
    from pipeline.cli import main
except KeyboardInterrupt:
    # Interrupted while importing: no command had started, so none had written anything.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr.write("interrupted while starting; nothing was written\n")
    sys.exit(130)

sys.exit(main())
