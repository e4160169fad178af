"""Small enums shared by several apps (domain.md §1)."""

from __future__ import annotations

from django.db import models


class AtmpClass(models.TextChoices):
    GTMP_IN_VIVO = "gtmp_in_vivo", "Gene therapy, in vivo"
    GTMP_EX_VIVO = "gtmp_ex_vivo", "Gene therapy, ex vivo (cell-based)"
    SCTMP = "sctmp", "Somatic cell therapy"
    TEP = "tep", "Tissue-engineered product"
    COMBINED = "combined", "Combined ATMP"


class ProductStatus(models.TextChoices):
    MARKETED = "marketed", "Marketed"
    INVESTIGATIONAL = "investigational", "Investigational"
    UNLICENSED = "unlicensed", "Unlicensed"
