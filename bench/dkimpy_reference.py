#!/usr/bin/python3
"""The reference for auth_bench's DKIM numbers: dkimpy (Debian python3-dkim,
the library behind its `dkimverify`) verifying the very messages auth_bench
signed, with the key records served from memory (no DNS), in one process.

    dkimpy_reference.py DIR [SECONDS]

DIR is what `auth_bench --export DIR` wrote. Prints one line per message:
    dkimpy dkim-rsa  N checks/s per core (CPU) ...
"""
import sys
import time

import dkim


def main():
    directory = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    keys = {}
    with open(f"{directory}/keys.tsv", encoding="ascii") as f:
        for line in f:
            name, value = line.rstrip("\n").split("\t", 1)
            keys[name.lower()] = value.encode("ascii")

    def dnsfunc(name, timeout=5):
        return keys.get(name.decode("ascii").rstrip(".").lower())

    for case in ("dkim-rsa", "dkim-ed25519"):
        with open(f"{directory}/{case}.eml", "rb") as f:
            message = f.read()
        if not dkim.verify(message, dnsfunc=dnsfunc):
            print(f"dkimpy {case}: does not verify", file=sys.stderr)
            sys.exit(1)
        runs = []
        for _ in range(3):
            n = 0
            c0, w0 = time.process_time(), time.perf_counter()
            while time.process_time() - c0 < seconds:
                dkim.verify(message, dnsfunc=dnsfunc)
                n += 1
            runs.append((n / (time.process_time() - c0), n / (time.perf_counter() - w0)))
        runs.sort()
        cpu, wall = runs[len(runs) // 2]
        print(f"dkimpy {case:<12} {cpu:10.0f} checks/s per core (median of 3; best {runs[-1][0]:.0f};"
              f" wall {wall:.0f}/s)  dkim.verify {dkim.__name__} (python3-dkim), keys in memory",
              flush=True)


if __name__ == "__main__":
    main()
