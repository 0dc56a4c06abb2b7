"""Coordinates of units (经度, 纬度): WGS-84 decimal degrees, checked ranges, great-circle km.

A unit may record where it is; persons and households are where their unit is (a household at
its village). Matching uses the great-circle distance between two units when both have
coordinates (docs/matching.md).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from bangfu.core.parsing import CellError, clean_text, to_halfwidth

if TYPE_CHECKING:
    import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
PLACES = Decimal("0.000001")  # six decimal places: about 0.1 m
LONGITUDE = (Decimal(-180), Decimal(180))
LATITUDE = (Decimal(-90), Decimal(90))

_DEGREES = re.compile(r"(?P<number>[-+−]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))°?")


def coordinate_problems(longitude: Any, latitude: Any) -> dict[str, list[str]]:
    """Chinese messages by field ("longitude", "latitude") for out-of-range values, or for one
    given without the other; {} when both are empty or both are valid."""
    errors: dict[str, list[str]] = {}
    for key, value, (low, high), label in (
        ("longitude", longitude, LONGITUDE, _("经度")),
        ("latitude", latitude, LATITUDE, _("纬度")),
    ):
        if value is None:
            continue
        if not low <= Decimal(value) <= high:
            errors.setdefault(key, []).append(
                _("%(label)s应在 %(low)s 到 %(high)s 度之间, 实际为 %(value)s")
                % {"label": label, "low": low, "high": high, "value": value}
            )
    if (longitude is None) != (latitude is None):
        missing = "latitude" if latitude is None else "longitude"
        errors.setdefault(missing, []).append(_("经度和纬度须同时填写, 或都不填"))
    return errors


def parse_degrees(value: object) -> Decimal | None:
    """A cell in decimal degrees (107.7, "107.71", "23.17°", full-width digits), rounded to six
    places; ``None`` for an empty cell. Raises :class:`CellError` with a Chinese message."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("应为以度为单位的小数, 如 107.71, 实际为 “%s”") % value)
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = re.sub(r"\s+", "", to_halfwidth(clean_text(value)))
        if not text:
            return None
    match = _DEGREES.fullmatch(text)
    if not match:
        raise CellError(_("应为以度为单位的小数, 如 107.71, 实际为 “%s”") % value)
    try:
        number = Decimal(match["number"].replace("−", "-"))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise CellError(_("应为以度为单位的小数, 如 107.71, 实际为 “%s”") % value) from None
    return number.quantize(PLACES, rounding=ROUND_HALF_UP)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def degrees(value: Any) -> Decimal | None:
    """A coordinate as stored (six decimal places), or None."""
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(PLACES, rounding=ROUND_HALF_UP)


def haversine_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between row i of ``a`` and row i of ``b`` (rows: lon, lat in degrees)."""
    import numpy as np  # (here: every process loads this module, few need numpy's 15 MB)

    la, lb = np.radians(np.asarray(a, dtype=float)), np.radians(np.asarray(b, dtype=float))
    lat1, lat2 = la[:, 1], lb[:, 1]
    dl = lb[:, 0] - la[:, 0]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def unit_vectors(points: np.ndarray) -> np.ndarray:
    """Points (lon, lat in degrees) as 3-D unit vectors: the straight-line (chord) distance
    between two of them grows with their great-circle distance, so a k-d tree over these finds
    the nearest points on the sphere."""
    import numpy as np

    p = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    cos_lat = np.cos(p[:, 1])
    return np.column_stack((cos_lat * np.cos(p[:, 0]), cos_lat * np.sin(p[:, 0]), np.sin(p[:, 1])))
