#!/usr/bin/python3
"""Turns the ARC validation suite (YAML) into JSON for arc_suite_test.

The C++ build has a JSON parser but no YAML one, so the suite is converted once
and both files are kept. Run from this directory after changing the YAML:
    /usr/bin/python3 yaml_to_json.py
"""
import json
import yaml

with open("arc-draft-validation-tests.yml") as f:
    scenarios = list(yaml.safe_load_all(f))
out = []
for s in scenarios:
    if not s:
        continue
    out.append({
        "description": s.get("description", ""),
        "txt_records": s.get("txt-records", s.get("txt_records", {})) or {},
        "tests": [dict(name=name, message=t.get("message", ""), cv=t.get("cv", ""),
                       description=t.get("description", ""))
                  for name, t in s["tests"].items()],
    })
with open("arc-draft-validation-tests.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
