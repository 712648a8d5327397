"""The printable report: title, station, range, totals, the per-day chart and the three tables,
on A4, as a PDF file or on a printer.

The page is a ``QTextDocument`` (its tables break across pages by themselves) set in DejaVu Sans,
which covers every Vietnamese letter; the chart is the screen's drawing (``ui.chart``) put in as
an image. The text stays text in the PDF (it can be searched and copied).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from station.clock import local_time_text
from station.reporting import UNKNOWN_COMMUNE, Counts, Report
from ui.chart import ChartData, chart_image
from ui.context import day_text
from ui.qt import (
    QCoreApplication,
    QFont,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QPrinter,
    QPrinterInfo,
    QSize,
    QTextDocument,
    QUrl,
)

translate = QCoreApplication.translate

FONT_FAMILY = "DejaVu Sans"
PDF_RESOLUTION = 300
CHART_URL = "chart:per-day"
CHART_PIXELS = QSize(2000, 640)


def headings() -> dict[str, str]:
    """Column and section titles, shared by the screen and the printed report."""
    return {
        "day": translate("ReportPrint", "Ngày"),
        "operator": translate("ReportPrint", "Cán bộ"),
        "commune": translate("ReportPrint", "Xã, phường"),
        "captured": translate("ReportPrint", "Đã thu nhận"),
        "target": translate("ReportPrint", "Chỉ tiêu"),
        "percent": translate("ReportPrint", "Đạt"),
        "unsealed": translate("ReportPrint", "Chờ duyệt, niêm phong"),
        "undelivered": translate("ReportPrint", "Chờ gửi"),
        "delivered": translate("ReportPrint", "Đã giao"),
        "rejected": translate("ReportPrint", "Bị trả lại"),
        "total": translate("ReportPrint", "Tổng"),
        "per_day": translate("ReportPrint", "Theo ngày"),
        "per_operator": translate("ReportPrint", "Theo cán bộ"),
        "per_commune": translate("ReportPrint", "Theo xã, phường"),
    }


def short_day(d: date, lang: str) -> str:
    """The day as a chart label."""
    return d.strftime("%m-%d") if lang == "en" else d.strftime("%d/%m")


def percent_text(value: int | None) -> str:
    return "" if value is None else f"{value} %"


def target_text(value: int | None) -> str:
    return "" if value is None else str(value)


def commune_label(code: str, name: str, lang: str) -> str:
    if not code:
        return UNKNOWN_COMMUNE[1] if lang == "en" else UNKNOWN_COMMUNE[0]
    return f"{name} ({code})" if name else code


def summary_text(report: Report) -> str:
    t = report.total
    if report.target:
        head = translate(
            "ReportPrint", "Tổng: {done} hồ sơ trên chỉ tiêu {target} ({percent} %)."
        ).format(done=t.captured, target=report.target, percent=report.percent)
    else:
        head = translate("ReportPrint", "Tổng: {done} hồ sơ (chưa đặt chỉ tiêu).").format(
            done=t.captured
        )
    tail = translate(
        "ReportPrint",
        "Chờ duyệt, niêm phong: {unsealed}; chờ gửi: {undelivered}; đã giao: {delivered}; "
        "bị trả lại: {rejected}.",
    ).format(
        unsealed=t.unsealed, undelivered=t.undelivered, delivered=t.delivered, rejected=t.rejected
    )
    return f"{head} {tail}"


def chart_data(report: Report, lang: str) -> ChartData:
    h = headings()
    return ChartData(
        tuple(short_day(r.day, lang) for r in report.days),
        tuple(r.counts.captured for r in report.days),
        tuple(r.target for r in report.days),
        h["captured"],
        h["target"],
    )


def _counts(c: Counts) -> list[str]:
    return [str(c.unsealed), str(c.undelivered), str(c.delivered), str(c.rejected)]


def _table(
    header: list[str], rows: Iterable[list[str]], bold_last: bool = False, first: int = 14
) -> str:
    """An HTML table; the first column (``first`` % of the width) left-aligned, numbers right."""
    first_width = f' width="{first}%"'
    out = ['<table border="1" cellspacing="0" cellpadding="3" width="100%">', "<tr>"]
    out += [
        f'<th bgcolor="#e6e6e6"{first_width if i == 0 else ""}>{html.escape(h)}</th>'
        for i, h in enumerate(header)
    ]
    out.append("</tr>")
    rows = list(rows)
    for i, row in enumerate(rows):
        strong = bold_last and i == len(rows) - 1
        out.append("<tr>")
        for j, cell in enumerate(row):
            text = html.escape(cell)
            if strong:
                text = f"<b>{text}</b>"
            align = "left" if j == 0 else "right"
            out.append(f'<td align="{align}"{" nowrap" if j == 0 else ""}>{text}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def report_html(report: Report, lang: str) -> str:
    h = headings()
    counts_head = [h["unsealed"], h["undelivered"], h["delivered"], h["rejected"]]
    with_target = [h["captured"], h["target"], h["percent"], *counts_head]
    days = [
        [
            day_text(r.day, lang),
            str(r.counts.captured),
            target_text(r.target),
            percent_text(r.percent),
            *_counts(r.counts),
        ]
        for r in report.days
    ]
    days.append(
        [
            h["total"],
            str(report.total.captured),
            target_text(report.target),
            percent_text(report.percent),
            *_counts(report.total),
        ]
    )
    operators = [
        [f"{o.full_name} ({o.operator_id})", str(o.counts.captured), *_counts(o.counts)]
        for o in report.operators
    ]
    communes = [
        [
            commune_label(c.code, c.name, lang),
            str(c.counts.captured),
            target_text(c.target),
            percent_text(c.percent),
            *_counts(c.counts),
        ]
        for c in report.communes
    ]
    station = translate("ReportPrint", "{name} — mã trạm {code}").format(
        name=html.escape(report.station_name), code=html.escape(report.station_code)
    )
    period = translate("ReportPrint", "Từ ngày {start} đến ngày {end}").format(
        start=day_text(report.start, lang), end=day_text(report.end, lang)
    )
    made = translate("ReportPrint", "Lập lúc {time}").format(
        time=local_time_text(report.generated_at)
    )
    parts = [
        f"<h2>{html.escape(translate('ReportPrint', 'Báo cáo thu nhận hồ sơ'))}</h2>",
        f"<p><b>{station}</b><br/>{html.escape(period)}<br/>{html.escape(made)}</p>",
        f"<p>{html.escape(summary_text(report))}</p>",
        f'<p><img src="{CHART_URL}" width="640" height="205"/></p>',
        f"<h3>{html.escape(h['per_day'])}</h3>",
        _table([h["day"], *with_target], days, bold_last=True),
        f"<h3>{html.escape(h['per_operator'])}</h3>",
        _table([h["operator"], h["captured"], *counts_head], operators, first=40),
        f"<h3>{html.escape(h['per_commune'])}</h3>",
        _table([h["commune"], *with_target], communes, first=34),
    ]
    return "".join(parts)


def report_document(report: Report, lang: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont(FONT_FAMILY, 9))
    chart_font = QFont(FONT_FAMILY)
    chart_font.setPixelSize(30)
    doc.addResource(
        QTextDocument.ResourceType.ImageResource.value,
        QUrl(CHART_URL),
        chart_image(chart_data(report, lang), CHART_PIXELS, chart_font),
    )
    doc.setHtml(report_html(report, lang))
    return doc


def _a4_layout() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(0, 0, 0, 0),  # QTextDocument.print_ adds its own 2 cm
        QPageLayout.Unit.Millimeter,
    )


def write_pdf(report: Report, path: Path, lang: str = "vi") -> Path:
    """Write the report to ``path`` (A4) through a temporary file; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(f"{translate('ReportPrint', 'Báo cáo thu nhận hồ sơ')} {report.station_name}")
    writer.setCreator("intake-station")
    writer.setPageLayout(_a4_layout())
    report_document(report, lang).print_(writer)
    del writer  # closes the file
    tmp.replace(path)
    return path


def printers() -> list[str]:
    """Names of the printers this machine has (empty when it has none)."""
    return [str(name) for name in QPrinterInfo.availablePrinterNames()]


def print_report(report: Report, printer: QPrinter, lang: str = "vi") -> None:
    """Send the report to a printer already chosen (A4)."""
    printer.setPageLayout(_a4_layout())
    report_document(report, lang).print_(printer)
