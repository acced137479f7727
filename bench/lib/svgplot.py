"""A small SVG line-plot writer (Python 3 standard library only) for the benchmark's sweeps.

    panel = Panel("time", "seconds", log_y=True)
    panel.add("restic first backup", [(10000, 3.1), (30000, 8.9)], colour="#1f77b4", dashed=True)
    write_svg("out.svg", "title", [panel, ...], x_label="files")

Both axes are logarithmic by default (file counts and times span decades); each panel is drawn side by side.
"""
import math
from xml.sax.saxutils import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


class Panel:
    def __init__(self, title, y_label, log_x=True, log_y=True):
        self.title, self.y_label, self.log_x, self.log_y = title, y_label, log_x, log_y
        self.series = []

    def add(self, label, points, colour, dashed=False):
        pts = sorted((float(x), float(y)) for x, y in points if x is not None and y is not None and y > 0)
        if pts:
            self.series.append((label, pts, colour, dashed))


def _ticks(lo, hi, log):
    if log:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        ticks = []
        for e in range(a, b + 1):
            for m in (1, 2, 5):
                v = m * 10 ** e
                if lo <= v <= hi:
                    ticks.append(v)
        return ticks or [lo, hi]
    step = 10 ** math.floor(math.log10(max(hi - lo, 1e-9)))
    while (hi - lo) / step > 8:
        step *= 2
    v = math.floor(lo / step) * step
    out = []
    while v <= hi + 1e-9:
        if v >= lo - 1e-9:
            out.append(v)
        v += step
    return out


def _fmt(v):
    if v >= 1e6 and v % 1e6 == 0:
        return f"{v / 1e6:g}M"
    if v >= 1e3 and v % 1e3 == 0:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def _panel_svg(p, x0, y0, w, h, x_label):
    out = []
    xs = [x for _, pts, _, _ in p.series for x, _ in pts]
    ys = [y for _, pts, _, _ in p.series for _, y in pts]
    if not xs:
        return out
    xlo, xhi = min(xs), max(xs)
    ylo, yhi = min(ys), max(ys)
    if p.log_x:
        xlo, xhi = xlo / 1.15, xhi * 1.15
    if p.log_y:
        ylo, yhi = ylo / 1.5, yhi * 1.5
    else:
        ylo, yhi = 0.0, yhi * 1.1
    if xhi == xlo:
        xhi = xlo * 2
    if yhi == ylo:
        yhi = ylo * 2
    left, right, top, bottom = 60, 10, 30, 45
    pw, ph = w - left - right, h - top - bottom

    def sx(x):
        f = (math.log(x) - math.log(xlo)) / (math.log(xhi) - math.log(xlo)) if p.log_x else (x - xlo) / (xhi - xlo)
        return x0 + left + f * pw

    def sy(y):
        f = (math.log(y) - math.log(ylo)) / (math.log(yhi) - math.log(ylo)) if p.log_y else (y - ylo) / (yhi - ylo)
        return y0 + top + ph - f * ph

    out.append(f'<text x="{x0 + left + pw / 2:.1f}" y="{y0 + 18}" text-anchor="middle" font-weight="bold">'
               f'{escape(p.title)}</text>')
    out.append(f'<rect x="{x0 + left}" y="{y0 + top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    for t in _ticks(xlo, xhi, p.log_x):
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" y1="{y0 + top}" x2="{x:.1f}" y2="{y0 + top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + top + ph + 14}" text-anchor="middle">{_fmt(t)}</text>')
    for t in _ticks(ylo, yhi, p.log_y):
        y = sy(t)
        out.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + pw}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 + left - 4}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<text x="{x0 + left + pw / 2:.1f}" y="{y0 + h - 8}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text transform="translate({x0 + 14},{y0 + top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
               f'{escape(p.y_label)}</text>')
    for label, pts, colour, dashed in p.series:
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y in pts:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
    return out


def write_svg(path, title, panels, x_label, note=""):
    pw, ph = 480, 360
    labels = []
    for p in panels:
        for label, _, colour, dashed in p.series:
            if (label, colour, dashed) not in labels:
                labels.append((label, colour, dashed))
    legend_rows = (len(labels) + 1) // 2
    width, height = pw * len(panels), 40 + ph + 20 + legend_rows * 18 + (20 if note else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, p in enumerate(panels):
        out += _panel_svg(p, i * pw, 30, pw, ph, x_label)
    y = 30 + ph + 20
    for i, (label, colour, dashed) in enumerate(labels):
        x = 20 + (i % 2) * (width / 2)
        yy = y + (i // 2) * 18
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 30}" y2="{yy - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 36}" y="{yy}">{escape(label)}</text>')
    if note:
        out.append(f'<text x="10" y="{height - 6}" fill="#555">{escape(note)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
