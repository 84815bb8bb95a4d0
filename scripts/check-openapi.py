#!/usr/bin/env python3
"""Validates docs/openapi.yaml against the OpenAPI 3.1 specification (openapi-spec-validator).

The server's tests check the other half of the contract: every documented route and method is
one the server answers, and every status a test meets is documented (OneGoServerTests).
Exit status 0 when the document is valid, 1 otherwise.
"""
import pathlib
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

PATH = pathlib.Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"

try:
    document, _ = read_from_filename(str(PATH))
    validate(document)
except Exception as error:  # the validator's errors have no common base class
    print(f"{PATH}: error: {error}", file=sys.stderr)
    sys.exit(1)
print(f"{PATH.name}: valid OpenAPI {document['openapi']}, {len(document['paths'])} paths")
