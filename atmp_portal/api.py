"""Shared API pieces: pagination and filtering that refuse what they cannot honour."""

from __future__ import annotations

from django.db import DataError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

MAX_PAGE_SIZE = 500
PAGE_SIZE_INVALID = f"Give page_size as a whole number from 1 to {MAX_PAGE_SIZE}."
EMPTY_PARAMETER = "Give a value, or leave the parameter out."


class Pagination(PageNumberPagination):
    # The default page size is REST_FRAMEWORK["PAGE_SIZE"] in settings.
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        """page_size as asked, or 400: a silently ignored -5 or 'abc' hides a client's bug."""
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_INVALID]})
        return int(text)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that `?category=` (present but empty) is a 400, not 'no filter'.

    An empty value is what a client sends when its own variable was unset; answering with the
    unfiltered list would hand it every row as if they all matched.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            empty = {
                name: [EMPTY_PARAMETER]
                for name in filterset.filters
                if name in request.query_params and not request.query_params[name].strip()
            }
            if empty:
                raise ValidationError(empty)
        return super().filter_queryset(request, queryset, view)


class AnyAcceptNegotiation(BaseContentNegotiation):
    """For file downloads: answer with the file whatever Accept asks (`Accept: application/pdf`
    would otherwise be a 406 before the view runs); errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


NUL_REFUSED = "The request contains a NUL character (\\u0000), which no field accepts."


def exception_handler(exc, context):
    """DRF's handler, plus: a NUL byte that reached the database is the client's bad input.

    PostgreSQL refuses NUL in text; DRF's CharField already does, but values that go straight
    into a lookup (a slug naming a related object, a filter) reach the database first.
    """
    if isinstance(exc, DataError) and "NUL" in str(exc):
        return Response({"detail": NUL_REFUSED}, status=400)
    return drf_exception_handler(exc, context)
