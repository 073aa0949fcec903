"""The static HTML/SVG renderer's building blocks: tiles, badges, boxes, bars, the frame.

Pure functions of plain data -> HTML strings. Every style is inline (no stylesheet, no
external asset), so a picture looks the same in JupyterLab, in RISE slides, in nbconvert's
HTML and on GitHub; class names (all prefixed `k8slab-`) carry the meaning, and mark the parts
that change from run to run (see k8slab.viz's docstring) so nbval can sanitize them.
"""

from __future__ import annotations

import html
from datetime import datetime

from ..text import age
from .status import STATES, guess_split, pod_state, split_name

FONT = ("font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;"
        "font-size:13px;line-height:1.4;color:#1f2328")
MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px"
MUTED = "#57606a"
COMPACT_OVER = 40  # more pods than this in one picture: small squares instead of tiles
WIDTH = 976  # inside the frame (1000 px at most), in pixels
GAP = 1  # between columns, in % of the width

# state key -> (background, foreground/border, legend label)
PALETTE = {
    "Pending": ("#f6f8fa", "#6e7781", "Pending"),
    "ContainerCreating": ("#ddf4ff", "#0969da", "ContainerCreating"),
    "Ready": ("#dafbe1", "#1a7f37", "Running, ready"),
    "NotReady": ("#fff8c5", "#9a6700", "Running, not ready"),
    "Terminating": ("#eaeef2", "#57606a", "Terminating"),
    "ImageError": ("#ffebe9", "#cf222e", "ErrImagePull / BackOff"),
    "Completed": ("#fbefff", "#8250df", "Completed"),
    "Failed": ("#ffebe9", "#82071e", "Failed"),
    "Gone": ("#ffffff", "#afb8c1", "gone"),
}
TONES = {"ok": "#1a7f37", "bad": "#cf222e", "warn": "#9a6700", "info": "#0969da",
         "muted": "#57606a"}


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def muted(text: str, raw: bool = False) -> str:
    return f'<span style="color:{MUTED};font-size:11px">{text if raw else esc(text)}</span>'


def name(obj: dict, small: bool = False, shorten: int = 0) -> str:
    """An object's name, its generated suffix (a hash) in a `k8slab-hash` span; `shorten`
    cuts a long suffix to that many characters (the full name stays in a tooltip)."""
    stable, suffix = split_name(obj)
    shown = suffix[:shorten] + "…" if shorten and len(suffix) > shorten + 1 else suffix
    tail = f'<span class="k8slab-hash">{esc(shown)}</span>' if suffix else ""
    style = MONO.replace("11.5px", "11px") if small else MONO
    full = f' title="{esc((obj.get("metadata") or {}).get("name", ""))}"' if shown != suffix \
        else ""
    return f'<span class="k8slab-name" style="{style}"{full}>{esc(stable)}{tail}</span>'


def bare_name(text: str) -> str:
    """A name known only as text: a generated-looking suffix goes in a `k8slab-hash` span."""
    stable, suffix = guess_split(text)
    tail = f'<span class="k8slab-hash">{esc(suffix)}</span>' if suffix else ""
    return f'<span class="k8slab-name" style="{MONO}">{esc(stable)}{tail}</span>'


def plain_name(text: str) -> str:
    return f'<span class="k8slab-name" style="{MONO}">{esc(text)}</span>'


def when(timestamp, now: datetime) -> str:
    """A kubectl-style age in a `k8slab-age` span."""
    return f'<span class="k8slab-age">{esc(age(timestamp, now))}</span>'


def ip(address) -> str:
    return f'<span class="k8slab-ip" style="{MONO}">{esc(address)}</span>'


def port(number) -> str:
    return f'<span class="k8slab-port">{esc(number)}</span>'


def badge(text: str, tone: str = "muted") -> str:
    colour = TONES[tone]
    return (f'<span class="k8slab-badge k8slab-{tone}" style="display:inline-block;'
            f"border:1px solid {colour};color:{colour};border-radius:10px;padding:0 7px;"
            f'font-size:11px;font-weight:600;line-height:16px;white-space:nowrap">'
            f"{esc(text)}</span>")


def pod_tile(pod: dict, now: datetime, new: bool = False, gone: bool = False,
             note: str = "") -> str:
    """A pod as a coloured tile: its name, what kubectl would say, its age; glowing when new,
    dashed and faded when just deleted."""
    label, state = ("gone", "Gone") if gone else pod_state(pod)
    bg, fg, _ = PALETTE[state]
    extra = ("box-shadow:0 0 0 3px rgba(9,105,218,.35);" if new else "") + \
        ("border-style:dashed;opacity:.6;" if gone else "")
    flag = (" " + badge("new", "info")) if new else ""
    classes = "k8slab-pod" + (" k8slab-new" if new else "") + (" k8slab-gone" if gone else "")
    meta = pod.get("metadata") or {}
    return (f'<div class="{classes}" data-state="{state}" style="display:inline-block;'
            f"vertical-align:top;box-sizing:border-box;width:146px;margin:2px;padding:1px 4px;"
            f'border:2px solid {fg};border-radius:6px;background:{bg};{extra}">'
            f'<div style="white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
            f"{name(pod, small=True)}</div>"
            f'<div class="k8slab-phase" style="color:{fg};font-weight:600;font-size:12px">'
            f"{esc(label)}{flag}</div>"
            f'<div style="color:{MUTED};font-size:11px;white-space:nowrap;overflow:hidden;'
            f'text-overflow:ellipsis">{when(meta.get("creationTimestamp"), now)}'
            f"{(' · ' + note) if note else ''}</div></div>")


def pod_dot(pod: dict, new: bool = False, gone: bool = False) -> str:
    """A pod as a small square (for big pictures); its name and state in the tooltip."""
    label, state = ("gone", "Gone") if gone else pod_state(pod)
    _, fg, _ = PALETTE[state]
    meta = pod.get("metadata") or {}
    ring = "box-shadow:0 0 0 2px rgba(9,105,218,.45);" if new else ""
    fill = f"border:1px dashed {fg};background:#fff;" if gone else f"background:{fg};"
    classes = "k8slab-pod k8slab-dot" + (" k8slab-new" if new else "") + \
        (" k8slab-gone" if gone else "")
    return (f'<span class="{classes}" data-state="{state}" title="{esc(meta.get("name", ""))}: '
            f'{esc(label)}" style="display:inline-block;box-sizing:border-box;width:11px;'
            f'height:11px;margin:1px;border-radius:2px;{fill}{ring}"></span>')


def pods(items: list[dict], state, gone: list[dict] | None = None, compact: bool | None = None,
         notes: dict[str, str] | None = None) -> str:
    """Tiles (or squares, when there are many) for pods, then ghosts of the ones just gone."""
    gone = gone or []
    notes = notes or {}
    if compact is None:
        compact = len(items) + len(gone) > COMPACT_OVER
    if compact:
        parts = [pod_dot(p, new=state.is_new(p)) for p in items]
        parts += [pod_dot(p, gone=True) for p in gone]
    else:
        parts = [pod_tile(p, state.now, new=state.is_new(p),
                          note=notes.get((p.get("metadata") or {}).get("name", ""), ""))
                 for p in items]
        parts += [pod_tile(p, state.now, gone=True) for p in gone]
    return "".join(parts) or muted("no pods")


def box(title: str, body: str, cls: str = "", style: str = "", data: str = "") -> str:
    """A bordered box with a bold title line (no h1-h6 or tables: slide themes restyle them)."""
    return (f'<div class="k8slab-box {cls}" {data} style="box-sizing:border-box;'
            f"border:1px solid #d0d7de;border-radius:6px;padding:6px 8px;background:#ffffff;"
            f'{style}"><div style="font-weight:600;margin-bottom:4px">{title}</div>'
            f"{body}</div>")


def grid(items: list[str], min_width: int = 200, per_row: int = 4) -> str:
    """Items side by side in equal columns across the picture, wrapping onto more rows.
    Inline blocks with percentage widths: a notebook's HTML sanitizer (JupyterLab's for
    stored outputs, RISE's older one) keeps those, where it drops flex and grid styles."""
    if not items:
        return ""
    fit = max(1, min(len(items), per_row, (WIDTH + 8) // (min_width + 8)))
    width = int(100 * (100 - GAP * (fit - 1)) / fit) / 100 - 0.05  # (rounding must not wrap)
    cells = [cell(item, width, GAP if (i + 1) % fit else 0) for i, item in enumerate(items)]
    return f'<div class="k8slab-grid">{"".join(cells)}</div>'


def cell(item: str, width: float, right: float = GAP, align: str = "top") -> str:
    """One inline block, `width` and right margin in % of the picture's width."""
    return (f'<div style="display:inline-block;vertical-align:{align};box-sizing:border-box;'
            f'width:{width:.2f}%;margin:0 {right:g}% 8px 0">{item}</div>')


def arrow(label: str = "") -> str:
    """A right-pointing arrow, optionally with a small label under it."""
    text = f'<span style="display:block;font-size:10px;line-height:10px">{esc(label)}</span>' \
        if label else ""
    return (f'<span class="k8slab-arrow" style="display:inline-block;vertical-align:middle;'
            f"text-align:center;color:#8c959f;margin:0 3px;font-size:16px;line-height:16px;"
            f'white-space:nowrap">→{text}</span>')


def progress(segments: list[tuple[int, str, str]], total: int, width: int = 320) -> str:
    """A bar of segments (count, colour, label) side by side out of `total`."""
    parts, used = [], 0
    for count, colour, label in segments:
        if total <= 0 or count <= 0:
            continue
        w = min(width - used, round(width * count / total))
        used += w
        parts.append(f'<span title="{esc(label)}: {count}" style="display:inline-block;'
                     f'width:{w}px;height:12px;background:{colour}"></span>')
    return (f'<span class="k8slab-progress" style="display:inline-block;width:{width}px;'
            f"height:12px;background:#eaeef2;border-radius:6px;overflow:hidden;"
            f'vertical-align:middle;white-space:nowrap;line-height:0">{"".join(parts)}</span>')


def legend(states: tuple[str, ...] = STATES) -> str:
    """The colour key of pod tiles."""
    items = "".join(
        f'<span style="white-space:nowrap;margin-right:10px"><span style="display:inline-block;'
        f"width:10px;height:10px;border-radius:2px;background:{PALETTE[s][1]};"
        f'vertical-align:middle;margin-right:3px"></span>{esc(PALETTE[s][2])}</span>'
        for s in states)
    return f'<div class="k8slab-legend" style="margin-top:6px;color:{MUTED};font-size:11px">' \
        f"{items}</div>"


def frame(kind: str, title: str, summary: str, body: str, banner: str = "") -> str:
    """The outer box every view draws in: a title line, a banner when something is off."""
    warn = (f'<div class="k8slab-banner" style="color:#9a6700;background:#fff8c5;'
            f'border-radius:4px;padding:2px 6px;margin-bottom:6px">{esc(banner)}</div>'
            if banner else "")
    return (f'<div class="k8slab-view k8slab-{kind}" style="{FONT};box-sizing:border-box;'
            f"max-width:1000px;text-align:left;background:#ffffff;border:1px solid #d0d7de;"
            f'border-radius:8px;padding:8px 10px">'
            f'<div class="k8slab-title" style="font-weight:600;font-size:14px;'
            f'margin-bottom:6px">{esc(title)} <span class="k8slab-summary" '
            f'style="color:{MUTED};font-weight:400;font-size:12px">{esc(summary)}</span></div>'
            f"{warn}{body}</div>")
