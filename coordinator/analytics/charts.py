"""Charts of the analytics report, drawn on the node with matplotlib (figures, saved as
SVG for the pages and as PNG for the PDF): readable in
black and white (grey fills and hatching instead of colour, labels on every bar), every
number also in the table beside the chart. matplotlib is imported only here (the node
server does not load it until an analytics page is asked for)."""

from __future__ import annotations

import io

from coordinator.analytics import figures as fg

_HATCH = "///"


class _Figures:
    """Figures made without pyplot (its global state is not for threads: the node draws
    charts in worker threads), each with its own Agg canvas."""

    _ready = False

    @classmethod
    def subplots(cls, figsize):
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if not cls._ready:
            matplotlib.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none",
                                        "axes.spines.top": False, "axes.spines.right": False})
            cls._ready = True
        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        return fig, fig.subplots()


def _plt():
    return _Figures


def svg(fig) -> str:
    """The figure as SVG text (without the XML prolog: it is placed inside a page)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "vpr-node"})
    _close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def png(fig, dpi: int = 200) -> bytes:
    """The figure as a PNG image (for the PDF)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    _close(fig)
    return buf.getvalue()


def _close(fig) -> None:
    fig.clear()


def marks_chart(m: fg.Marks):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.2, 2.4))
    xs = [2, 3, 4, 5]
    bars = ax.bar([str(x) for x in xs], [m.counts[x] for x in xs], color=["#444", "#888", "#bbb", "#eee"],
                  edgecolor="black")
    for b, x in zip(bars, xs):
        label = f"{m.counts[x]}" + (f"\n{m.percent[x]:.0f} %" if not m.too_few else "")
        ax.annotate(label, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("отметка")
    ax.set_ylabel("участников")
    ax.set_ylim(0, max(1, max(m.counts.values())) * 1.35)
    return fig


def histogram_chart(h: fg.Histogram):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    flagged = {b for _, b in h.flagged} | {b + 1 for _, b in h.flagged}
    xs = list(range(len(h.counts)))
    ax.bar(xs, h.counts, color=["#999" if x in flagged else "#ddd" for x in xs], edgecolor="black",
           hatch=None, linewidth=0.6)
    for x in flagged:
        if x < len(h.counts):
            ax.bar([x], [h.counts[x]], color="none", edgecolor="black", hatch=_HATCH, linewidth=0.6)
    top = max(1, max(h.counts))
    for mark, b in h.boundaries:
        ax.axvline(b - 0.5, color="black", linestyle="--", linewidth=1)
        ax.text(b - 0.4, top * 1.1, f"«{mark}» от {b}", fontsize=8, va="bottom")
    ax.set_xlim(-0.7, len(h.counts) - 0.3)
    ax.set_ylim(0, top * 1.3)
    ax.set_xlabel("первичный балл")
    ax.set_ylabel("участников")
    return fig


def tasks_chart(tasks: list[fg.TaskSuccess]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    xs = [t.number for t in tasks]
    vals = [t.percent or 0 for t in tasks]
    bars = ax.bar(xs, vals, color=["#eee" if t.sufficient else "#888" for t in tasks], edgecolor="black",
                  linewidth=0.6)
    for b, t in zip(bars, tasks):
        if t.sufficient is False:
            b.set_hatch(_HATCH)
        ax.plot([b.get_x(), b.get_x() + b.get_width()], [t.threshold, t.threshold], color="black", linewidth=1.4)
        ax.annotate(f"{t.percent:.0f}" if t.percent is not None else "—", (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_xlabel("задание (черта - порог: базовые 60 %, повышенные 30 %)")
    ax.set_ylabel("% выполнения")
    return fig
