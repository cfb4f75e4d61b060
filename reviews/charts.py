"""Bar charts drawn on the server as SVG: the geometry here, the markup in templates.

No JavaScript and no style attribute (strict CSP): colours come from classes of
static/css/dashboard.css, the second series is hatched (a pattern) so that colour is not
the only difference, and every bar carries its value as text. The SVG is an image
(role="img", title and description); the table beside it gives the same figures.
"""

import math
from dataclasses import dataclass, field
from typing import Any

# Drawing units of the viewBox (the SVG scales to its container).
WIDTH = 640
LABEL_WIDTH = 190  # horizontal charts: the row labels on the left
ROW_HEIGHT = 22
ROW_GAP = 14
TOP = 36  # room for the legend
BOTTOM = 28  # room for the axis labels
RIGHT = 56  # room for the value labels
COLUMN_AREA_HEIGHT = 220


@dataclass(frozen=True)
class Series:
    label: Any
    css: str  # dashboard.css: dash-series--<css>
    hatched: bool = False


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: float | None
    text: str
    text_x: float
    text_y: float
    css: str = ""
    fill: str = ""  # a pattern (hatched series), else the class's colour


@dataclass(frozen=True)
class Tick:
    value: float
    position: float
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Marker:
    """A target drawn across one row of a horizontal chart (a dashed line)."""

    x: float
    y1: float
    y2: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    sub: str = ""  # a second, smaller line (the row's target)
    sub_y: float = 0


@dataclass
class Chart:
    key: str  # unique on the page: ids of the title, description and patterns
    title: str
    description: str
    series: list[Series]
    marker_label: str = ""  # legend entry of the markers, if any
    height: float = 0
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    horizontal: bool = True
    width: float = WIDTH
    plot_left: float = 0
    plot_right: float = 0
    plot_top: float = TOP
    plot_bottom: float = 0

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    def fill(self, index: int) -> str:
        """The fill of a series: its hatch pattern, or "" for the colour of its class."""
        return f"url(#chart-{self.key}-hatch-{index})" if self.series[index].hatched else ""

    @property
    def legend(self) -> list[dict[str, Any]]:
        """One entry per series: swatch and text positions, from the left."""
        return [
            {
                "series": series,
                "index": index,
                "fill": self.fill(index),
                "x": self.plot_left + index * 170,
                "text_x": self.plot_left + index * 170 + 20,
            }
            for index, series in enumerate(self.series)
        ]

    @property
    def marker_legend(self) -> dict[str, float]:
        """Where the legend shows the markers' dashed line, after the series."""
        x = self.plot_left + len(self.series) * 170
        return {"x1": x, "x2": x + 14, "text_x": x + 20}

    @property
    def axis(self) -> tuple[float, float, float, float]:
        """The baseline: left edge of a horizontal chart, bottom of a column chart."""
        if self.horizontal:
            return (self.plot_left, self.plot_top, self.plot_left, self.plot_bottom)
        return (self.plot_left, self.plot_bottom, self.plot_right, self.plot_bottom)

    def finish(self) -> "Chart":
        """Give each bar the class and fill of its series; round every coordinate."""
        self.bars = [
            Bar(
                x=round(bar.x, 1),
                y=round(bar.y, 1),
                width=round(bar.width, 1),
                height=round(bar.height, 1),
                series=bar.series,
                value=bar.value,
                text=bar.text,
                text_x=round(bar.text_x, 1),
                text_y=round(bar.text_y, 1),
                css="" if self.series[bar.series].hatched else self.series[bar.series].css,
                fill=self.fill(bar.series),
            )
            for bar in self.bars
        ]
        return self


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round gridline values from 0 covering ``maximum`` (1, 2, 5 times a power of ten)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1)
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(int(top / step) + 1)]


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def horizontal(
    key: str,
    title: str,
    description: str,
    series: list[Series],
    rows: list[tuple[str, list[float | None]]],
    targets: list[tuple[float, str]] | None = None,
    target_label: str = "",
    empty: str = "",
) -> Chart:
    """One row per label, one bar per series in it; ``targets``: a marker per row with
    its text under the row's label, ``target_label`` the markers' legend; ``empty`` the
    text of a row without values."""
    chart = Chart(key, title, description, series, marker_label=target_label, horizontal=True)
    per_row = len(series) * ROW_HEIGHT + ROW_GAP
    chart.plot_left = LABEL_WIDTH
    chart.plot_right = WIDTH - RIGHT
    chart.plot_bottom = TOP + per_row * len(rows)
    chart.height = chart.plot_bottom + BOTTOM
    largest = max(
        [v for _label, values in rows for v in values if v is not None]
        + [t for t, _text in targets or []]
        + [0]
    )
    ticks = nice_ticks(largest)
    scale = (chart.plot_right - chart.plot_left) / ticks[-1]
    chart.ticks = [
        Tick(t, x, number(t), x, chart.plot_bottom + 16)
        for t in ticks
        for x in [round(chart.plot_left + t * scale, 1)]
    ]
    for r, (label, values) in enumerate(rows):
        top = TOP + r * per_row + ROW_GAP / 2
        middle = top + len(series) * ROW_HEIGHT / 2
        if targets:
            sub = targets[r][1]
            chart.labels.append(Label(label, LABEL_WIDTH - 8, middle - 2, sub, middle + 12))
        else:
            chart.labels.append(Label(label, LABEL_WIDTH - 8, middle + 4))
        for s, value in enumerate(values):
            y = top + s * ROW_HEIGHT
            length = (value or 0) * scale
            chart.bars.append(
                Bar(
                    x=chart.plot_left,
                    y=y + 2,
                    width=length,
                    height=ROW_HEIGHT - 4,
                    series=s,
                    value=value,
                    text=number(value)
                    if value is not None or not empty
                    else empty
                    if s == 0
                    else "",
                    text_x=chart.plot_left + length + 4,
                    text_y=y + ROW_HEIGHT / 2 + 4,
                )
            )
        if targets:
            x = round(chart.plot_left + targets[r][0] * scale, 1)
            chart.markers.append(Marker(x, top - 3, top + len(series) * ROW_HEIGHT + 3))
    return chart.finish()


def columns(
    key: str,
    title: str,
    description: str,
    series: list[Series],
    groups: list[tuple[str, list[float]]],
) -> Chart:
    """One group of columns per label (months, left to right), one column per series."""
    chart = Chart(key, title, description, series, horizontal=False)
    chart.plot_left = 40
    chart.plot_right = WIDTH - 8
    chart.plot_top = TOP + 12
    chart.plot_bottom = chart.plot_top + COLUMN_AREA_HEIGHT
    chart.height = chart.plot_bottom + BOTTOM
    largest = max([v for _label, values in groups for v in values] + [0])
    ticks = nice_ticks(largest)
    scale = COLUMN_AREA_HEIGHT / ticks[-1]
    chart.ticks = [
        Tick(t, y, number(t), chart.plot_left - 6, y + 4)
        for t in ticks
        for y in [round(chart.plot_bottom - t * scale, 1)]
    ]
    slot = (chart.plot_right - chart.plot_left) / max(len(groups), 1)
    inner = slot * 0.8
    bar_width = inner / len(series)
    for g, (label, values) in enumerate(groups):
        left = chart.plot_left + g * slot + (slot - inner) / 2
        chart.labels.append(
            Label(label, round(chart.plot_left + g * slot + slot / 2, 1), chart.height - 8)
        )
        for s, value in enumerate(values):
            height = value * scale
            x = left + s * bar_width
            chart.bars.append(
                Bar(
                    x=x + 1,
                    y=chart.plot_bottom - height,
                    width=bar_width - 2,
                    height=height,
                    series=s,
                    value=value,
                    text=number(value),
                    text_x=x + bar_width / 2,
                    text_y=chart.plot_bottom - height - 4,
                )
            )
    return chart.finish()
