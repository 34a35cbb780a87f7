"""Charts drawn on the server as SVG (no script): the decision aid's fit and the program's
figures. Every text put in is escaped, so the result may be marked safe."""

import textwrap
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LEFT, WIDTH, ROW = 210, 300, 30


def bar_chart(title: str, bars: Sequence[tuple[str, float | None]], *,
              maximum: float | None = None, unit: str = "", missing: str = "",
              note: str = "", stacked: bool = False) -> SafeString:
    """A horizontal bar per (label, value), scaled to ``maximum`` (the largest value when
    None); a value of None shows ``missing`` instead of a bar; ``note`` goes underneath.
    ``stacked``: each label on its own line above its bar, drawn narrow (``stacked_chart``)
    so that a phone shows its text at about its size."""
    if stacked:
        return stacked_chart(title, bars, maximum=maximum, unit=unit, missing=missing,
                             note=note)
    top = maximum or max((v for _, v in bars if v is not None), default=0) or 1
    height = ROW * len(bars) + (26 if note else 8)
    ident = "chart-" + "".join(c for c in title.lower() if c.isalnum())[:24]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 580 {height}" role="img" '
             f'aria-labelledby="{ident}" class="chart"><title id="{ident}">{escape(title)}'
             '</title>']
    for i, (label, value) in enumerate(bars):
        y = 4 + i * ROW
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(short)}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 3}" width="{WIDTH}" height="18" '
                     'fill="#e8edf3"/>')
        if value is None:
            parts.append(f'<text x="{LEFT + 6}" y="{y + 16}" font-size="12" fill="#4a5563">'
                         f'{escape(missing)}</text>')
            continue
        length = WIDTH * min(value, top) / top
        parts.append(f'<rect x="{LEFT}" y="{y + 3}" width="{length:.1f}" height="18" '
                     'fill="#0b5cad"/>')
        parts.append(f'<text x="{LEFT + WIDTH + 8}" y="{y + 16}" font-size="13">'
                     f'{value:g}{escape(unit)}</text>')
    if note:
        parts.append(f'<text x="{LEFT}" y="{height - 6}" font-size="11" fill="#4a5563">'
                     f'{escape(note)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


NARROW, NARROW_BAR = 340, 280  # the stacked chart's width, and its bars'


def stacked_chart(title: str, bars: Sequence[tuple[str, float | None]], *,
                  maximum: float | None = None, unit: str = "", missing: str = "",
                  note: str = "") -> SafeString:
    """``bar_chart`` for a narrow screen: the label (in full, on up to two lines) above its
    bar, the value after the bar, text 13 units or more in a view box 340 wide."""
    top = maximum or max((v for _, v in bars if v is not None), default=0) or 1
    ident = "chart-" + "".join(c for c in title.lower() if c.isalnum())[:24]
    parts, y = [], 0
    for label, value in bars:
        for line in textwrap.wrap(label, 40, max_lines=2, placeholder="…") or [""]:
            y += 18
            parts.append(f'<text x="0" y="{y}" font-size="14" font-weight="600">'
                         f'{escape(line)}</text>')
        parts.append(f'<rect x="0" y="{y + 6}" width="{NARROW_BAR}" height="20" '
                     'fill="#e8edf3"/>')
        if value is None:
            parts.append(f'<text x="6" y="{y + 21}" font-size="13" fill="#4a5563">'
                         f'{escape(missing)}</text>')
        else:
            length = NARROW_BAR * min(value, top) / top
            parts.append(f'<rect x="0" y="{y + 6}" width="{length:.1f}" height="20" '
                         'fill="#0b5cad"/>')
            parts.append(f'<text x="{NARROW_BAR + 8}" y="{y + 21}" font-size="14">'
                         f'{value:g}{escape(unit)}</text>')
        y += 34
    for line in textwrap.wrap(note, 44):
        y += 17
        parts.append(f'<text x="0" y="{y}" font-size="13" fill="#4a5563">{escape(line)}</text>')
    return mark_safe(  # every text above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {NARROW} {y + 6}" role="img" '
        f'aria-labelledby="{ident}" class="chart stacked"><title id="{ident}">'
        f'{escape(title)}</title>' + "".join(parts) + "</svg>")
