"""Conventions the compiler cannot check (DESIGN.md section 5)."""
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def production_sources():
    for path in sorted(SRC.rglob("*")):
        # Tests and their helpers (foo_test.cc, doctor_test_util.h,
        # rules_testing.h, http/test_client) may block on a coroutine.
        if path.suffix in (".cc", ".h") and "test" not in path.stem:
            yield path


def test_no_coroutine_is_started_detached():
    """asio::detached drops exceptions: a failed coroutine then leaves its
    waiter waiting or skips its checks (issue 13, defect 5). common/spawn.h
    logs and fails the work temporarily instead."""
    offenders = []
    for path in production_sources():
        text = path.read_text()
        if path.name == "spawn.h":
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if re.search(r"\bdetached\b", line) and not line.strip().startswith("//"):
                offenders.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert offenders == [], "use postdesk::Spawn (common/spawn.h):\n" + "\n".join(offenders)
