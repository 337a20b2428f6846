"""uvicorn under tracemalloc, for `bench.run --tracemalloc`: the server's Python heap per
idle socket, without the allocator's RSS noise.

    python -m bench.traced <uvicorn's arguments>        # what bench.run starts instead of uvicorn

tracemalloc starts with BENCH_TRACEMALLOC_FRAMES frames before Django or uvicorn is
imported. A thread watches BENCH_TRACEMALLOC_DIR: when `<label>.request` appears (the
generator writes it), it collects garbage, notes tracemalloc's traced memory, writes a
snapshot to `<label>.snapshot` and then `<label>.json`, which the generator waits for.
`compare` (run by the generator) turns two readings into KiB per socket and the sites
that grew, from Snapshot.compare_to.
"""

import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

# The readings' own allocations, and tracemalloc's, are not the server's.
EXCLUDE = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
ROOT = str(Path(__file__).resolve().parent.parent) + os.sep


def _reading(directory: Path, label: str) -> None:
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    snapshot = tracemalloc.take_snapshot().filter_traces(EXCLUDE)
    snapshot.dump(str(directory / f"{label}.snapshot"))
    del snapshot
    info = {"label": label, "at": time.time(), "traced_bytes": current, "peak_bytes": peak}
    tmp = directory / f"{label}.json.tmp"
    tmp.write_text(json.dumps(info))
    tmp.rename(directory / f"{label}.json")


def _watch(directory: Path) -> None:
    done: set[str] = set()
    while True:
        for request in directory.glob("*.request"):
            if request.stem not in done:
                done.add(request.stem)
                _reading(directory, request.stem)
        time.sleep(0.2)


def _site(filename: str, lineno: int | None = None) -> str:
    """A path shortened to the repository or to site-packages, with its line."""
    if filename.startswith(ROOT):
        filename = filename[len(ROOT) :]
    elif "site-packages" + os.sep in filename:
        filename = filename.split("site-packages" + os.sep, 1)[1]
    return filename if lineno is None else f"{filename}:{lineno}"


def compare(
    directory: Path, before: str, after: str, sockets: int, top: int = 15
) -> dict[str, Any]:
    """(after - before) / sockets: traced memory, and the sites that grew the most."""
    readings = [json.loads((directory / f"{label}.json").read_text()) for label in (before, after)]
    old = tracemalloc.Snapshot.load(str(directory / f"{before}.snapshot"))
    new = tracemalloc.Snapshot.load(str(directory / f"{after}.snapshot"))
    kib = 1024 * sockets

    def per_socket(stat: tracemalloc.StatisticDiff, where: str) -> dict[str, Any]:
        return {
            "site": where,
            "bytes_per_socket": round(stat.size_diff / sockets, 1),
            "blocks_per_socket": round(stat.count_diff / sockets, 2),
        }

    by_line = new.compare_to(old, "lineno")
    by_file = new.compare_to(old, "filename")
    by_traceback = new.compare_to(old, "traceback")[:top]
    grown = sum(stat.size_diff for stat in by_file)
    return {
        "frames": new.traceback_limit,
        "traced_mib": [round(r["traced_bytes"] / 2**20, 2) for r in readings],
        "traced_kib_per_socket": round(
            (readings[1]["traced_bytes"] - readings[0]["traced_bytes"]) / kib, 2
        ),
        "snapshot_kib_per_socket": round(grown / kib, 2),
        "blocks_per_socket": round(sum(stat.count_diff for stat in by_file) / sockets, 1),
        "top_lines": [
            per_socket(s, _site(s.traceback[-1].filename, s.traceback[-1].lineno))
            for s in by_line[: top * 4]
        ],
        # Every file that grew or shrank by a byte a socket or more: to compare two trees
        # whose line numbers differ.
        "files": [
            per_socket(s, _site(s.traceback[-1].filename))
            for s in by_file
            if abs(s.size_diff) >= sockets
        ],
        "top_tracebacks": [
            {
                **per_socket(s, _site(s.traceback[-1].filename, s.traceback[-1].lineno)),
                # The innermost eight frames, outermost first as Python prints them.
                "frames": [_site(f.filename, f.lineno) for f in list(s.traceback)[-8:]],
            }
            for s in by_traceback
        ],
    }


def main() -> None:
    tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "10")))
    directory = Path(os.environ["BENCH_TRACEMALLOC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    threading.Thread(target=_watch, args=(directory,), name="tracemalloc", daemon=True).start()
    from uvicorn.main import main as uvicorn

    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn()


if __name__ == "__main__":
    main()
