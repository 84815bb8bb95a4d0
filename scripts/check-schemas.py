#!/usr/bin/env python3
"""Checks every shipped catalog, bundle and golden-test file against its JSON Schema.

Bundle files allow // and /* */ comments; they are blanked out (keeping offsets) before parsing.
Exit status 0 when every file is valid, 1 otherwise.
"""
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Bundles"


def strip_comments(text: str) -> str:
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                out.append(" ")
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:end]))
            i = end
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def main() -> int:
    schemas = {name: json.loads((ROOT / "schema" / f"{name}.schema.json").read_text()) for name in
               ("catalog", "bundle", "golden-test")}
    groups = [("catalog", sorted((ROOT / "catalog").glob("*.json"))),
              ("bundle", sorted(ROOT.glob("*.json"))),
              ("golden-test", sorted((ROOT / "tests").glob("*.json")))]
    failures, checked = 0, 0
    for kind, files in groups:
        validator = jsonschema.Draft202012Validator(schemas[kind])
        for path in files:
            checked += 1
            data = json.loads(strip_comments(path.read_text(encoding="utf-8")))
            for error in validator.iter_errors(data):
                failures += 1
                pointer = "/" + "/".join(str(p) for p in error.absolute_path)
                print(f"{path.relative_to(ROOT.parent)}: {pointer}: {error.message}")
    print(f"schema check: {checked} files, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
