#!/usr/bin/env python3
"""Validates session files (.json or .json.gz) against docs/session.schema.json.

Besides JSON Schema validation, every field a file holds must be declared where the schema
lists an object's properties: a field the app writes and the schema forgets is a problem too.

Usage: validate_session_schema.py SCHEMA FILE...
Prints one line per problem ("<file>: <path>: <message>") and exits 1 if there was any;
exits 3 when the jsonschema module is missing (Debian: python3-jsonschema).
"""
import gzip
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(3)


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


def undeclared(schema, node, value, where):
    """Yields (path, key) for each field of value that node's properties do not declare."""
    node = resolve(schema, node)
    if not isinstance(node, dict):
        return
    if isinstance(value, dict) and "properties" in node:
        props = node["properties"]
        for key, child in value.items():
            if key not in props:
                if "additionalProperties" not in node:
                    yield where, key
                continue
            yield from undeclared(schema, props[key], child, where + [key])
    elif isinstance(value, list) and "items" in node:
        for i, child in enumerate(value):
            yield from undeclared(schema, node["items"], child, where + [str(i)])


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = 0
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        doc = json.loads(raw)
        for error in validator.iter_errors(doc):
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message[:300]}")
            problems += 1
        reported = set()
        for where, key in undeclared(schema, schema, doc, []):
            # Report each undeclared field once per file, not once per event.
            shape = "/".join("*" if p.isdigit() else p for p in where + [key])
            if shape not in reported:
                reported.add(shape)
                print(f"{path}: {shape}: written but not declared in the schema")
                problems += 1
    print(f"{len(sys.argv) - 2} file(s), {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
