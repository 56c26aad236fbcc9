#!/usr/bin/python3
"""Converts the RFC 7208 conformance suite (rfc7208-tests.yml) to JSON.

The C++ suite runner reads the JSON (the project has no YAML library); this
script is how it was made. Run from anywhere, with Debian's interpreter:

    /usr/bin/python3 tests/data/spf/yaml_to_json.py

Output: rfc7208-tests.json beside the input, a list of scenarios, each
{"description", "tests": {name: {...}}, "zonedata": {name: [entry, ...]}},
with the YAML values unchanged (strings are UTF-8 in JSON).
"""
import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def main():
    with open(HERE / "rfc7208-tests.yml", "rb") as f:
        scenarios = [doc for doc in yaml.safe_load_all(f) if doc]
    out = HERE / "rfc7208-tests.json"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(scenarios, f, indent=1, ensure_ascii=True, sort_keys=False)
        f.write("\n")
    tests = sum(len(s["tests"]) for s in scenarios)
    print(f"{out.name}: {len(scenarios)} scenarios, {tests} tests")


if __name__ == "__main__":
    main()
