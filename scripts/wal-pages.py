#!/usr/bin/env python3
"""Which tables and indexes the transactions in a SQLite WAL wrote, frames per transaction.

Usage: scripts/wal-pages.py DATABASE   (DATABASE-wal beside it, e.g. left by a run killed mid-phase)

Reads the WAL's frame headers (page number, commit marker) up to the first frame of another
salt, and names each page through SQLite's dbstat table on a copy of both files (the originals
are not opened, so nothing checkpoints them). BENCHMARKS.md ("pages written a step") shows its use:

  .build/release/onego-bench w1 --cases 1000 --db /tmp/w1k.db & sleep 5; kill -9 $!
  scripts/wal-pages.py /tmp/w1k.db
"""
import collections
import shutil
import sqlite3
import struct
import sys
import tempfile


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    database = sys.argv[1]
    try:
        with open(database + "-wal", "rb") as file:
            wal = file.read()
    except FileNotFoundError:
        sys.exit(f"{database}-wal: no WAL (the run ended and checkpointed it): kill the run earlier")
    page_size = struct.unpack(">I", wal[8:12])[0]
    salt = wal[16:24]
    frames, offset = [], 32
    while offset + 24 + page_size <= len(wal) and wal[offset + 8 : offset + 16] == salt:
        frames.append(struct.unpack(">II", wal[offset : offset + 8]))
        offset += 24 + page_size
    with tempfile.TemporaryDirectory() as directory:
        copy = directory + "/copy.db"
        shutil.copy(database, copy)
        shutil.copy(database + "-wal", copy + "-wal")
        connection = sqlite3.connect(copy)
        owner = dict((page, name) for name, page in connection.execute("SELECT name, pageno FROM dbstat"))
        connection.close()
    transactions, current = [], []
    for page, commit in frames:
        current.append(owner.get(page, "(free)"))
        if commit:
            transactions.append(current)
            current = []
    if not transactions:
        sys.exit("no committed transaction in the WAL (it was just checkpointed): kill the run at another moment")
    count = len(transactions)
    print(f"{count} transactions, {sum(map(len, transactions)) / count:.2f} frames each")
    for name, frames in collections.Counter(n for t in transactions for n in t).most_common():
        print(f"  {frames / count:6.2f}  {name}")


if __name__ == "__main__":
    main()
