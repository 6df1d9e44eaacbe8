"""A self-contained API docs page: the OpenAPI schema as plain HTML, no CDN assets."""
from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from ninja.openapi.docs import DocsBase


class PlainDocs(DocsBase):
    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, methods in schema.get("paths", {}).items():
            for method, op in methods.items():
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "parameters": op.get("parameters", []),
                        "body": json.dumps(body, indent=2) if body else "",
                        "responses": sorted(op.get("responses", {})),
                        "secured": bool(op.get("security")),
                    }
                )
        context = {
            "title": schema["info"]["title"],
            "description": schema["info"].get("description", ""),
            "operations": operations,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "components": json.dumps(schema.get("components", {}).get("schemas", {}), indent=2),
        }
        return HttpResponse(render_to_string("flags/api_docs.html", context, request=request))
