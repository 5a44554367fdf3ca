"""What the numbers were measured on, and how busy the machine was meanwhile.

Other people's processes may run on the same machine during a bench; the load average
alone mixes them with the bench's own work, so the CPU time the whole machine spent is
also compared with what the bench and its children spent (Linux ``/proc/stat``).
"""

from __future__ import annotations

import os
import platform
import resource
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = (
    "arxiv-enrich",
    "arxiv",
    "requests",
    "requests-cache",
    "lxml",
    "markdown-it-py",
    "rapidfuzz",
    "pyarrow",
    "pandas",
)


@dataclass(frozen=True)
class Machine:
    """The facts a reader needs to compare these numbers with their own."""

    cpu: str
    cores: int
    memory_gib: float
    os: str
    python: str
    packages: dict[str, str]


@dataclass(frozen=True)
class Busy:
    """A reading of the machine's load and of CPU time spent, by everyone and by us."""

    load: tuple[float, float, float]
    machine_cpu_s: float | None
    own_cpu_s: float


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=_memory_gib(),
        os=f"{platform.system()} {platform.release()} ({platform.machine()})",
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        packages={name: _package_version(name) for name in PACKAGES},
    )


def _machine_cpu_s() -> float | None:
    """CPU time all processes have spent since boot (busy, not idle or iowait)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def busy() -> Busy:
    """Now: load averages, the machine's CPU time, ours and our waited-for children's."""
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return Busy(os.getloadavg(), _machine_cpu_s(), own)


def others_cpu_s(start: Busy, end: Busy) -> float | None:
    """CPU time that processes other than the bench spent between two readings."""
    if start.machine_cpu_s is None or end.machine_cpu_s is None:
        return None
    return max(0.0, (end.machine_cpu_s - start.machine_cpu_s) - (end.own_cpu_s - start.own_cpu_s))
