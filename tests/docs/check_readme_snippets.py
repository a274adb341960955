#!/usr/bin/env python3
"""Checks that README.md quotes each client quick-start file verbatim, so the
README's examples are the code the client tests run."""
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[2]
readme = (root / "README.md").read_text()
examples = [
    "clients/python/examples/quickstart.py",
    "clients/python/examples/quickstart_group.py",
    "clients/node/examples/quickstart.mjs",
    "clients/node/examples/quickstart-group.mjs",
]
failed = 0
for rel in examples:
    body = (root / rel).read_text().rstrip("\n")
    if f"`{rel}`:\n```" not in readme or body + "\n```" not in readme:
        print(f"README.md does not quote {rel} verbatim")
        failed += 1
print(f"{len(examples) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
