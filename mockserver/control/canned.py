"""Bodies straight from the contract: ``Prefer: example=NAME`` and ``Prefer: dynamic=true``."""

from __future__ import annotations

from typing import Any

from ..errors import Detail, ValidationFailed
from ..spec import Operation, Spec
from ..world.rng import rng
from .dynamic import DynamicBody
from .overrides import PREFER_HEADER, Overrides


class CannedBodies:
    def __init__(self, spec: Spec, seed: int) -> None:
        self.spec = spec
        self.seed = seed

    def _success_content(self, operation: Operation) -> dict[str, Any]:
        response = self.spec.resolve(operation.raw["responses"][str(operation.success_status)])
        content: dict[str, Any] = response.get("content", {}).get("application/json", {})
        return content

    def examples(self, operation: Operation) -> dict[str, Any]:
        """Named examples of the success response; a lone ``example`` is called "default"."""
        content = self._success_content(operation)
        named = {name: self.spec.resolve(ex).get("value")
                 for name, ex in content.get("examples", {}).items()}
        if "example" in content:
            named.setdefault("default", content["example"])
        return named

    def error_message(self, operation: Operation, status: int) -> str | None:
        """The message of the operation's documented example error for ``status``."""
        response = operation.raw.get("responses", {}).get(str(status))
        if not isinstance(response, dict):
            return None
        content = self.spec.resolve(response).get("content", {}).get("application/json", {})
        error = (content.get("example") or {}).get("error")
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else None

    def body(self, operation: Operation, overrides: Overrides) -> Any | None:
        if overrides.example is not None:
            examples = self.examples(operation)
            if overrides.example not in examples:
                raise ValidationFailed("Unknown example", [Detail(
                    PREFER_HEADER, f"no example {overrides.example!r}; "
                    f"this operation has {sorted(examples)}")])
            return examples[overrides.example]
        if overrides.dynamic:
            schema = self._success_content(operation).get("schema", {})
            r = rng(self.seed, "dynamic", operation.operation_id)
            return DynamicBody(self.spec.resolve, r).make(schema)
        return None
