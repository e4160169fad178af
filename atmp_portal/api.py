"""Shared API pieces."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    # The default page size is REST_FRAMEWORK["PAGE_SIZE"] in settings.
    page_size_query_param = "page_size"
    max_page_size = 500
