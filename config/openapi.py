"""The API schema says what the API answers when it refuses, not only when it succeeds.

drf-spectacular documents each operation's success; this hook adds the refusals every
operation can give, all with the shape DRF gives them (``{"detail": "..."}`` or
``{"field": ["...", ...]}``). Schemathesis holds the API to the result in the test suite
(tests/api/test_schema_conformance.py).
"""

ERROR = {
    "type": "object",
    "description": (
        'A refusal: {"detail": "why"} or, for invalid input, the fields named with their '
        'messages: {"field": ["why", ...]}.'
    ),
    "additionalProperties": {},
}

_REFUSALS = {
    "400": "The input is invalid: the fields or parameters named in the body.",
    "401": "Not signed in: send a session cookie or 'Authorization: Token <key>'.",
    "403": "Signed in, but not allowed to do this here.",
    "404": "Not found, or not visible to you; or a page past the last.",
    "409": "The object's state does not allow this (an alert already closed).",
    "413": "The body is larger than the upload limit.",
    "429": "Too many requests: wait the seconds the Retry-After header gives.",
}


def _refusals_for(method: str, path: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    codes = ["401", "403", "429"]
    if has_body or any(p.get("in") == "query" for p in parameters):
        codes.append("400")
    # A path with an id, or a list with pages, can name what is not there.
    if "{" in path or any(p.get("name") == "page" for p in parameters):
        codes.append("404")
    if has_body:
        codes.append("413")
    if method == "post" and "{" in path:  # an action on an object (alerts: 409)
        codes.append("409")
    return codes


def add_refusals(result, generator, request, public):
    """Postprocessing hook: document each operation's refusals with the one error shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _refusals_for(method, path, operation):
                responses.setdefault(
                    code,
                    {
                        "description": _REFUSALS[code],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
