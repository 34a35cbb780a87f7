"""Charts drawn on the server as SVG (no script): the decision aid's fit and the program's
figures. Every text put in is escaped, so the result may be marked safe."""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LEFT, WIDTH, ROW = 210, 300, 30


def bar_chart(title: str, bars: Sequence[tuple[str, float | None]], *,
              maximum: float | None = None, unit: str = "", missing: str = "",
              note: str = "") -> SafeString:
    """A horizontal bar per (label, value), scaled to ``maximum`` (the largest value when
    None); a value of None shows ``missing`` instead of a bar; ``note`` goes underneath."""
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
