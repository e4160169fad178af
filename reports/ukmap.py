"""The national map, drawn on the server as inline SVG.

The coastline is Natural Earth's 1:50m countries (public domain), from the `world-atlas` npm
package; the front-end build copies its TopoJSON to static/build/geo/. We decode it here and
project it with the same function that places each site, so a site's mark lands where its
latitude and longitude say. Nothing is fetched at run time and nothing is hand-drawn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

GEO_FILE = Path(settings.BASE_DIR) / "static" / "build" / "geo" / "countries-50m.json"
UNITED_KINGDOM, IRELAND = "826", "372"  # ISO 3166 numeric ids in world-atlas

# The frame: the UK and Ireland, Scilly to Shetland.
WEST, EAST, SOUTH, NORTH = -10.7, 2.1, 49.8, 60.95
WIDTH = 400
_SHRINK = math.cos(math.radians((SOUTH + NORTH) / 2))  # a degree of longitude is shorter
HEIGHT = round(WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * _SHRINK))
_MIN_STEP = 0.6  # px: closer points add bytes, not shape


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """(x, y) in the map's SVG units: an equirectangular projection at the UK's mid-latitude."""
    x = (longitude - WEST) / (EAST - WEST) * WIDTH
    y = (NORTH - latitude) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class MapOutline:
    width: int
    height: int
    united_kingdom: str  # SVG path data
    ireland: str


def _decoder(topology: dict):
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = topology["arcs"]

    def arc(index: int) -> list[tuple[float, float]]:
        x = y = 0
        points = []
        for dx, dy in arcs[index if index >= 0 else ~index]:
            x, y = x + dx, y + dy
            points.append(project(y * sy + ty, x * sx + tx))
        return points if index >= 0 else points[::-1]

    return arc


def _ring_path(ring: list[int], arc) -> str:
    points: list[tuple[float, float]] = []
    for index in ring:
        piece = arc(index)
        points.extend(piece if not points else piece[1:])  # arcs share their end points
    kept = [points[0]]
    for x, y in points[1:]:
        if math.hypot(x - kept[-1][0], y - kept[-1][1]) >= _MIN_STEP:
            kept.append((x, y))
    if len(kept) < 3:
        return ""
    return "M" + "L".join(f"{x:g} {y:g}" for x, y in kept) + "Z"


def _country_path(geometry: dict, arc) -> str:
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(_ring_path(ring, arc) for polygon in polygons for ring in polygon)


@lru_cache(maxsize=1)
def outline() -> MapOutline | None:
    """The coastline paths, or None when the front-end assets have not been built."""
    try:
        topology = json.loads(GEO_FILE.read_text())
    except FileNotFoundError:
        return None
    arc = _decoder(topology)
    countries = {g.get("id"): g for g in topology["objects"]["countries"]["geometries"]}
    return MapOutline(
        width=WIDTH,
        height=HEIGHT,
        united_kingdom=_country_path(countries[UNITED_KINGDOM], arc),
        ireland=_country_path(countries[IRELAND], arc),
    )
