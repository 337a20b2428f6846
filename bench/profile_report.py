"""Summarise a py-spy "raw" (collapsed stacks) profile: where the server's time goes.

    python -m bench.profile_report var/bench/profile-postgres-rooms.txt [--top 25]

Prints the share of samples per category (the innermost matching frame decides), then the
functions with the most inclusive and the most self time. Percentages are of all samples
taken while a thread was running (py-spy leaves idle threads out by default).
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# (category, pattern on "function (file:line)"): the first pattern that matches a frame,
# searched from the innermost frame outwards, names the sample's category.
_CATEGORY_PATTERNS = {
    "waiting: PostgreSQL replies, locks, thread joins": (
        r"^(Connection\.wait|Condition\.wait|Thread\._wait_for_tstate_lock|Event\.wait) "
    ),
    "markdown rendering (markdown-it, linkify, nh3)": r"markdown_it|linkify|nh3|rendering\.py",
    "permessage-deflate (zlib)": r"permessage_deflate|zlib",
    "database driver (psycopg, Django's sqlite3 wrapper)": r"psycopg/|sqlite3/base\.py",
    "Django ORM (query building, model instances)": r"django/db/",
    "Redis client (redis-py, channels_redis)": r"redis/|channels_redis/",
    "sessions / auth on connect": r"contrib/sessions|contrib/auth|channels/auth",
    "channel layer (in-memory)": r"channels/layers\.py|parley/realtime/layers\.py",
    "JSON encode / decode": r"json/",
    "WebSocket framing (uvicorn / websockets)": r"uvicorn/protocols/websockets|websockets/",
    "asgiref thread hops (sync_to_async / async_to_sync)": r"asgiref/|concurrent/futures",
    "Channels consumer dispatch": r"channels/",
    "Parley code": r"parley/",
    "asyncio / uvloop (C: socket I/O, callbacks)": r"asyncio/|uvloop",
}
CATEGORIES = [(name, re.compile(pattern)) for name, pattern in _CATEGORY_PATTERNS.items()]
LINE = re.compile(r"^(.*) (\d+)$")
FRAME = re.compile(r"^(.*?) \((.*?):\d+\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        match = LINE.match(line)
        if match:
            stacks.append((match.group(1).split(";"), int(match.group(2))))
    return stacks


def function_of(frame: str) -> str:
    match = FRAME.match(frame)
    return f"{match.group(1)} ({match.group(2)})" if match else frame


def categorise(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in CATEGORIES:
            if pattern.search(frame):
                return name
    return "other"


def report(path: Path, top: int) -> str:
    stacks = parse(path)
    total = sum(count for _, count in stacks) or 1
    categories: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for frames, count in stacks:
        categories[categorise(frames)] += count
        for name in {function_of(f) for f in frames}:
            inclusive[name] += count
        own[function_of(frames[-1])] += count
        threads["worker threads" if "Thread._bootstrap" in frames[0] else "event loop"] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    out = [f"{path}: {total} samples"]
    out.append("\nBy thread:")
    out += [f"  {pct(n)}  {name}" for name, n in threads.most_common()]
    out.append("\nBy category (innermost matching frame):")
    out += [f"  {pct(n)}  {name}" for name, n in categories.most_common()]
    out.append(f"\nTop {top} inclusive:")
    out += [f"  {pct(n)}  {name}" for name, n in inclusive.most_common(top)]
    out.append(f"\nTop {top} self:")
    out += [f"  {pct(n)}  {name}" for name, n in own.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="py-spy record --format raw output")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(report(args.profile, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
