"""The HTML report of a training run: one self-contained file, figures embedded as base64 PNG."""

import base64
import html
import io

import pandas as pd
from matplotlib.figure import Figure


def figure_png(figure: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def render_report(title: str, sections: dict[str, dict | pd.DataFrame], figures: dict[str, Figure]) -> str:
    """The report: a table per section ({name: value}, or a DataFrame as it is), then every figure under its title."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;margin-bottom:1.5em}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}img{max-width:100%}</style>",
             f"</head><body><h1>{html.escape(title)}</h1>"]
    for heading, rows in sections.items():
        if isinstance(rows, pd.DataFrame):
            parts.append(f"<h2>{html.escape(heading)}</h2>{rows.to_html(float_format=_text, border=0)}")
            continue
        parts.append(f"<h2>{html.escape(heading)}</h2><table>")
        parts.extend(f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(_text(value))}</td></tr>"
                     for name, value in rows.items())
        parts.append("</table>")
    parts.append("<h2>Figures</h2>")
    for name, figure in figures.items():
        encoded = base64.b64encode(figure_png(figure)).decode()
        parts.append(f"<h3>{html.escape(name)}</h3><img alt='{html.escape(name)}' "
                     f"src='data:image/png;base64,{encoded}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _text(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
