"""The summary's charts as PNG pictures (matplotlib), for the open workbook: the Summary button
inserts them at the layout's chart anchors (the tracker's file and the standalone workbook get native
Excel charts from `summary.workbook`)."""

from __future__ import annotations

from pathlib import Path

from spso_xl.safewrite import atomic_write
from spso_xl.summary.figures import Summary
from spso_xl.summary.workbook import AMBER, FLAG_COLOURS, GREY, NAVY, RED, level_colour


def chart_pngs(summary: Summary, folder) -> list[Path]:
    """The summary's charts as PNG files in `folder`, in the layout's chart order (for the xlwings
    button, which inserts pictures at `summary_layout(summary).charts` anchors, and for anywhere else)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    # Names are data: no TeX, no mathtext ('$' in an organisation's name), whatever matplotlibrc says
    with matplotlib.rc_context({"text.usetex": False, "text.parse_math": False}):
        for chart in summary.charts:
            fig, ax = plt.subplots(figsize=(7.5, 3.75), dpi=150)
            try:
                _PNG[chart.key](ax, summary)
                ax.set_title(chart.title, fontsize=11, color="#" + NAVY, loc="left")
                ax.spines[["top", "right"]].set_visible(False)
                fig.tight_layout()
                path = folder / f"{summary.sheet_name.replace(' ', '-')}-{chart.key}.png"
                atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
            finally:
                plt.close(fig)
            out.append(path)
    return out


def _png_bars(ax, frame, series, horizontal):
    labels = frame.iloc[:, 0].astype(str).tolist()
    base = [0] * len(frame)
    for name in series:
        values = frame[name].tolist()
        colour = "#" + level_colour(name)
        if horizontal:
            ax.barh(labels, values, left=base, label=name, color=colour)
        else:
            ax.bar(labels, values, bottom=base, label=name, color=colour)
        base = [a + b for a, b in zip(base, values)]
    if horizontal:
        ax.invert_yaxis()
        ax.set_xlabel("Actions")
    else:
        ax.set_ylabel("Actions")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _png_levels(ax, s):
    frame = s.tables["levels_by_month"].frame
    _png_bars(ax, frame, [c for c in frame.columns[1:] if frame[c].any()], False)


def _png_trigger(ax, s):
    _png_bars(ax, s.tables["level12_trigger"].frame, ["Level 1", "Level 2"], True)


def _png_funnel(ax, s):
    f, curve = s.tables["funnel"].frame, s.tables["funnel_curve"].frame
    for name, colour in (("Sector rate", GREY), *((c, AMBER if i < 2 else RED) for i, c in enumerate(curve.columns[1:5]))):
        ax.plot(curve["Decisions"], curve[name], color="#" + colour, lw=1, ls="-" if name == "Sector rate" else "--",
                label=name.replace(" upper", " limits") if "lower" not in name else None)
    flags = f["Funnel"].str.split(" \\(").str[0]
    for flag, colour in FLAG_COLOURS.items():
        part = f[flags == flag]
        if len(part):
            ax.scatter(part["Decisions"], part["Uphold rate"], color="#" + colour, s=18, zorder=3, label=flag)
    for _, row in f[flags != "Within limits"].iterrows():  # name the outliers on the chart
        ax.annotate(row["Organisation"], (row["Decisions"], row["Uphold rate"]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("Casework decisions")
    ax.set_ylabel("Uphold rate")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


_PNG = {"levels_by_month": _png_levels, "level12_by_trigger": _png_trigger, "funnel": _png_funnel}
