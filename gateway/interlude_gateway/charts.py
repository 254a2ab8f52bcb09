"""Score-over-time charts as SVG: the measure's bands and cutoff behind the client's line.

Pure functions of the data (no plotting library): the y axis spans the
measure's range, the x axis the time from the first to the last score (one
score sits in the middle). ``point_positions`` is what the polyline draws, so
tests can check where each score lands.
"""

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 120, 28, 40
PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
# Light fills from better to worse.
BAND_FILLS = ("#e8f5e9", "#f1f8e9", "#fffde7", "#fff3e0", "#ffebee", "#fce4ec")


def y_of(value: float, minimum: float, maximum: float) -> float:
    span = (maximum - minimum) or 1
    return round(MARGIN_TOP + PLOT_HEIGHT * (maximum - value) / span, 2)


def x_of(moment: datetime, first: datetime, last: datetime) -> float:
    span = (last - first).total_seconds()
    if span <= 0:
        return round(MARGIN_LEFT + PLOT_WIDTH / 2, 2)
    return round(MARGIN_LEFT + PLOT_WIDTH * (moment - first).total_seconds() / span, 2)


def point_positions(norms: dict[str, Any] | None, series: list[dict[str, Any]]) -> list[tuple[float, float]]:
    moments = [datetime.fromisoformat(point["submitted_at"]) for point in series]
    if not moments:
        return []
    minimum, maximum = _y_range(norms, series)
    first, last = moments[0], moments[-1]
    return [
        (x_of(moment, first, last), y_of(point["value"], minimum, maximum))
        for moment, point in zip(moments, series, strict=True)
    ]


def _y_range(norms: dict[str, Any] | None, series: list[dict[str, Any]]) -> tuple[float, float]:
    if norms:
        return norms["minimum"], norms["maximum"]
    values = [point["value"] for point in series] or [0.0]
    return min(0.0, *values), max(1.0, *values)


def render_score_chart(client_id: str, measure: str, norms: dict[str, Any] | None, series: list[dict[str, Any]]) -> str:
    minimum, maximum = _y_range(norms, series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="title">',
        f'<title id="title">{escape(measure)} scores of {escape(client_id)} over time</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    if norms:  # the library measure's, or the scoring activity's (routes.analytics); without bands, neither
        parts += _bands(norms, minimum, maximum)
        if norms.get("cutoff") is not None:
            parts += _cutoff(norms, minimum, maximum)
    parts += _axes(minimum, maximum, series)
    parts += _line(norms, series)
    if not series:
        parts.append(
            f'<text x="{MARGIN_LEFT + PLOT_WIDTH / 2}" y="{MARGIN_TOP + PLOT_HEIGHT / 2}" text-anchor="middle" '
            'font-family="sans-serif" font-size="14" fill="#555">No scores yet</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _bands(norms: dict[str, Any], minimum: float, maximum: float) -> list[str]:
    """One rect per band, from its lower bound to the next band's (integer bands leave no gaps)."""
    bands = sorted(norms["bands"], key=lambda band: band["lower"])
    if not bands:
        return []
    ceilings = [band["lower"] for band in bands[1:]] + [maximum]
    # The worst band gets the reddest fill, whichever way the measure runs.
    fills = BAND_FILLS[: len(bands)] if norms["lower_is_better"] else BAND_FILLS[: len(bands)][::-1]
    parts = []
    for band, ceiling, fill in zip(bands, ceilings, fills, strict=True):
        top, bottom = y_of(ceiling, minimum, maximum), y_of(band["lower"], minimum, maximum)
        parts.append(
            f'<rect class="band" data-band="{escape(band["label"])}" x="{MARGIN_LEFT}" y="{top}" '
            f'width="{PLOT_WIDTH}" height="{round(bottom - top, 2)}" fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT + PLOT_WIDTH + 6}" y="{round((top + bottom) / 2 + 4, 2)}" '
            f'font-family="sans-serif" font-size="11" fill="#555">{escape(band["label"])}</text>'
        )
    return parts


def _cutoff(norms: dict[str, Any], minimum: float, maximum: float) -> list[str]:
    y = y_of(norms["cutoff"], minimum, maximum)
    return [
        f'<line class="cutoff" x1="{MARGIN_LEFT}" y1="{y}" x2="{MARGIN_LEFT + PLOT_WIDTH}" y2="{y}" '
        'stroke="#c62828" stroke-width="1.5" stroke-dasharray="6 4"/>',
        f'<text x="{MARGIN_LEFT + 4}" y="{round(y - 4, 2)}" font-family="sans-serif" font-size="11" '
        f'fill="#c62828">cutoff {norms["cutoff"]:g}</text>',
    ]


def _axes(minimum: float, maximum: float, series: list[dict[str, Any]]) -> list[str]:
    bottom, right = MARGIN_TOP + PLOT_HEIGHT, MARGIN_LEFT + PLOT_WIDTH
    parts = [
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{MARGIN_LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
    ]
    for value in (minimum, (minimum + maximum) / 2, maximum):
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{round(y_of(value, minimum, maximum) + 4, 2)}" text-anchor="end" '
            f'font-family="sans-serif" font-size="11" fill="#333">{value:g}</text>'
        )
    if series:
        first, last = series[0]["submitted_at"][:10], series[-1]["submitted_at"][:10]
        parts.append(
            f'<text x="{MARGIN_LEFT}" y="{bottom + 18}" font-family="sans-serif" font-size="11">{first}</text>'
        )
        parts.append(
            f'<text x="{right}" y="{bottom + 18}" text-anchor="end" font-family="sans-serif" '
            f'font-size="11">{last}</text>'
        )
    return parts


def _line(norms: dict[str, Any] | None, series: list[dict[str, Any]]) -> list[str]:
    positions = point_positions(norms, series)
    if not positions:
        return []
    points = " ".join(f"{x},{y}" for x, y in positions)
    parts = [f'<polyline class="scores" points="{points}" fill="none" stroke="#1565c0" stroke-width="2"/>']
    for (x, y), point in zip(positions, series, strict=True):
        label = f"{point['value']:g} on {point['submitted_at'][:10]}" + (f" ({point['band']})" if point["band"] else "")
        parts.append(
            f'<circle class="score" cx="{x}" cy="{y}" r="4" fill="#1565c0"><title>{escape(label)}</title></circle>'
        )
    return parts
