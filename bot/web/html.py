"""Server-rendered HTML for the public web boards: every text passes through `esc`, pages
share one layout and one stylesheet (no inline styles or scripts, so the strict CSP holds)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

CSS = """\
:root{--bg:#fffaf5;--fg:#1f1b16;--muted:#6b6259;--line:#eadfd3;--accent:#d9480f;
--card:#ffffff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:40rem;margin:0 auto;padding:.75rem}
a{color:var(--accent)}
header.site{display:flex;justify-content:space-between;align-items:baseline;gap:.5rem;
padding:.75rem;max-width:40rem;margin:0 auto}
header.site .brand{font-weight:700;text-decoration:none;color:var(--fg);
display:inline-flex;align-items:center;gap:.35rem}
header.site .guild{color:var(--muted);overflow:hidden;text-overflow:ellipsis;
white-space:nowrap}
h1{font-size:1.35rem;margin:.5rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
nav.tabs{display:flex;flex-wrap:wrap;gap:.35rem;margin:.25rem 0 .75rem}
nav.tabs a{padding:.35rem .7rem;border:1px solid var(--line);border-radius:999px;
text-decoration:none;color:var(--fg);background:var(--card);font-size:.92rem}
nav.tabs a[aria-current=page]{background:var(--accent);border-color:var(--accent);
color:#fff}
ol.board{list-style:none;margin:0;padding:0;background:var(--card);
border:1px solid var(--line);border-radius:.75rem}
ol.board li{display:flex;align-items:center;gap:.6rem;padding:.6rem .75rem;
border-top:1px solid var(--line)}
ol.board li:first-child{border-top:0}
ol.board .rank{min-width:2rem;height:2rem;line-height:2rem;border-radius:50%;
text-align:center;font-weight:700;color:var(--muted)}
ol.board .rank::before{content:"#"}
ol.board .medal1,ol.board .medal2,ol.board .medal3{color:#fff}
ol.board .medal1::before,ol.board .medal2::before,ol.board .medal3::before{content:""}
ol.board .medal1{background:#e0a100}
ol.board .medal2{background:#8d99a6}
ol.board .medal3{background:#b8733d}
ol.board .done{color:#2b8a3e;font-size:.85rem;white-space:nowrap}
ol.board .who{flex:1;min-width:0;overflow-wrap:anywhere}
ol.board .value{white-space:nowrap;font-weight:600}
nav.pager{display:flex;justify-content:space-between;align-items:center;margin:.9rem 0}
nav.pager a,nav.pager span.off{padding:.45rem .9rem;border:1px solid var(--line);
border-radius:.5rem;background:var(--card);text-decoration:none}
nav.pager span.off{color:var(--muted);opacity:.6}
.empty,.note,footer{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.3rem .9rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.3rem 0;overflow-wrap:anywhere}
figure.heatmap{margin:0;background:var(--card);border:1px solid var(--line);
border-radius:.75rem;padding:.6rem}
figure.heatmap svg{display:block;width:100%;height:auto;max-width:28rem}
figure.heatmap figcaption{color:var(--muted);font-size:.85rem;margin-top:.3rem}
footer{max-width:40rem;margin:1.5rem auto;padding:0 .75rem;font-size:.85rem}
"""


FLAME = (
    '<svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">'
    '<path fill="#e8590c" d="M8 1c1 3 4 4.5 4 8.5A4 4 0 0 1 4 9.5C4 7 5.5 6 6 4c1 1.2 1.3 2.2 '
    '1.2 3.4C8.6 6 8.6 3.6 8 1z"/></svg>'
)


def esc(text: object) -> str:
    """Text for an HTML text node or a quoted attribute."""
    return escape(str(text), quote=True)


def page(title: str, body: str, *, guild: str | None = None, home: str | None = None) -> str:
    """A whole page: `title` and `guild` are plain text (escaped here), `body` is HTML."""
    brand = (
        f'<a class="brand" href="{esc(home)}">{FLAME}Kindling</a>'
        if home
        else f'<span class="brand">{FLAME}Kindling</span>'
    )
    where = f'<span class="guild">{esc(guild)}</span>' if guild else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title>"
        '<link rel="stylesheet" href="/static/kindling.css">'
        "</head><body>"
        f'<header class="site">{brand}{where}</header>'
        f"<main>{body}</main>"
        "<footer>Members who keep their stats private, opted out or were excluded are never "
        "shown here.</footer>"
        "</body></html>\n"
    )


def link(href: str, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def facts(rows: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, value) plain-text pairs."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<dl class="facts">{items}</dl>'


def plain_list(items: Iterable[str]) -> str:
    """A list of already-rendered HTML items."""
    return '<ul class="plain">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
