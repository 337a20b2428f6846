"""CPU time, RSS and threads of a process from /proc (psutil is not installed)."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Snapshot:
    at: float  # time.monotonic()
    cpu_seconds: float  # user + system, of the process and its children (workers)
    rss_kib: int
    threads: int
    machine_cpu_seconds: float = 0.0  # busy time of every core together
    core_cpu_seconds: tuple[float, ...] = ()


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid`, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces and parentheses: split after its last ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (uvicorn --workers: the workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        raw = (task / "children").read_text().split()
        found += [int(child) for child in raw]
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU of `pid` and its live descendants: a server with several workers."""
    total = cpu_seconds(pid)
    for child in children(pid):
        try:
            total += tree_cpu_seconds(child)
        except FileNotFoundError:  # it ended meanwhile
            continue
    return total


def status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def rss_kib(pid: int) -> int:
    return int(status(pid)["VmRSS"].split()[0])


def snapshot(pid: int) -> Snapshot:
    info = status(pid)
    machine, cores = machine_busy()
    return Snapshot(
        at=time.monotonic(),
        cpu_seconds=tree_cpu_seconds(pid),
        rss_kib=int(info["VmRSS"].split()[0]),
        threads=int(info["Threads"]),
        machine_cpu_seconds=machine,
        core_cpu_seconds=tuple(cores),
    )


def cpu_percent(start: Snapshot, end: Snapshot) -> float:
    """Share of one core used between two snapshots (100 = one core busy)."""
    elapsed = end.at - start.at
    return 100.0 * (end.cpu_seconds - start.cpu_seconds) / elapsed if elapsed > 0 else 0.0


def machine_percent(start: Snapshot, end: Snapshot) -> dict[str, float]:
    """Busy share of the machine and of each core between two snapshots (100 = one core)."""
    elapsed = end.at - start.at
    if elapsed <= 0:
        return {}
    shares = {"all": 100.0 * (end.machine_cpu_seconds - start.machine_cpu_seconds) / elapsed}
    for i, (a, b) in enumerate(zip(start.core_cpu_seconds, end.core_cpu_seconds, strict=False)):
        shares[f"cpu{i}"] = 100.0 * (b - a) / elapsed
    return {k: round(v, 1) for k, v in shares.items()}


def open_files_to(pid: int, path: str) -> int:
    """How many of `pid`'s file descriptors point at `path` (SQLite connections)."""
    count = 0
    target = os.path.realpath(path)
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd) == target:
                count += 1
        except OSError:
            continue  # closed while we looked
    return count


def machine_busy() -> tuple[float, list[float]]:
    """Busy CPU seconds of the whole machine and of each core (from /proc/stat)."""
    total, cores = 0.0, []
    for line in Path("/proc/stat").read_text().splitlines():
        if not line.startswith("cpu"):
            break
        name, *values = line.split()
        ticks = [int(v) for v in values]
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
        busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS
        if name == "cpu":
            total = busy
        else:
            cores.append(busy)
    return total, cores
