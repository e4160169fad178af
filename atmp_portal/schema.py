"""OpenAPI that tells the truth: the error answers every endpoint can give, documented once.

drf-spectacular documents what a view declares. The answers that come from the framework
rather than the view (a 400 for a bad query or body, 401/403 without credentials, 404 for an
object or page out of reach, 429 when throttled) would otherwise be missing from every
operation; this schema class adds them, with the JSON bodies they really have
(atmp_portal.middleware makes even framework errors JSON).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR = inline_serializer(
    "Error", {"detail": serializers.CharField(help_text="What went wrong, in words.")}
)

DESCRIPTIONS = {
    "400": "Bad input. The keys name the parameters or fields at fault, each with its reasons "
    "(`detail` when the request as a whole is unreadable).",
    "401": "No valid credentials.",
    "403": "No valid credentials (session authentication sends no challenge), or not allowed.",
    "404": "Not found, or outside your scope: what you may not see does not exist for you.",
    "429": "Too many requests; `Retry-After` says when to try again.",
    "503": "A service the request needs (the job queue) is unavailable; try again later.",
}


class PortalAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        places = {parameter["in"] for parameter in self._get_parameters()}
        codes = []
        if "query" in places or self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        # A path names an object; a query may name one (a trial, a profile) or a page.
        if places & {"path", "query"}:
            codes.append("404")
        codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # Declared without a body (`404: None`) or not declared: every error has a JSON body.
        declared = [code for code in responses if code >= "400"]
        for code in dict.fromkeys([*declared, *self._error_codes()]):
            documented = responses.get(code)
            if documented is None or "content" not in documented:
                schema = OpenApiTypes.OBJECT if code == "400" else ERROR
                responses[code] = self._get_response_for_code(schema, code, direction=direction)
                responses[code]["description"] = DESCRIPTIONS.get(code, "")
        return responses
