#!/usr/bin/env python3
"""Starts a generated program under mpirun, kills one rank's process with
SIGKILL while the job runs, and checks that the whole job ends with a
non-zero exit status within a deadline (no hang). Prints the status and
how long the job took to end after the kill."""
import argparse
import os
import signal
import subprocess
import sys
import time


def children(pid):
    """Every descendant pid of `pid` (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--deadline", type=float, default=30.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    program = os.path.basename(a.command[a.command.index("--") + 1]
                               if "--" in a.command else a.command[-1])
    command = [c for c in a.command if c != "--"]
    job = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    ranks = []
    for _ in range(200):  # wait for the ranks to start
        time.sleep(0.1)
        ranks = [p for p in children(job.pid)
                 if os.path.basename(os.readlink(f"/proc/{p}/exe")
                                     if os.path.exists(f"/proc/{p}/exe")
                                     else "") == program]
        if len(ranks) >= 2 or job.poll() is not None:
            break
    if len(ranks) < 2:
        job.kill()
        print(f"error: found {len(ranks)} rank processes of {program}")
        return 1
    time.sleep(1.0)  # let them get into their steps
    os.kill(ranks[-1], signal.SIGKILL)
    killed = time.monotonic()
    try:
        job.wait(timeout=a.deadline)
    except subprocess.TimeoutExpired:
        job.kill()
        for p in ranks:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        print(f"error: the job still ran {a.deadline} s after a rank died")
        return 1
    took = time.monotonic() - killed
    print(f"exit status {job.returncode} after {took:.1f} s")
    return 0 if job.returncode != 0 else 1


if __name__ == "__main__":
    sys.exit(main())
