#!/usr/bin/env python3
"""Oracle for tests/oracle.rs: reads a JSON list of patterns on stdin, prints a JSON list of
[valid: bool | null, message] with the `stix2-patterns` validator (STIX 2.1). null: the
validator itself crashed on that pattern."""
import json
import sys

from stix2patterns.validator import run_validator

out = []
for p in json.load(sys.stdin):
    try:
        errs = run_validator(p, stix_version="2.1")
        out.append([not errs, "; ".join(errs)])
    except Exception as e:  # the validator has bugs of its own (e.g. negative indices)
        out.append([None, "%s: %s" % (type(e).__name__, e)])
json.dump(out, sys.stdout)
