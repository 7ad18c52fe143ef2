"""The report as a PDF for Bufdir's archive and for reading on screen, laid out from the same
``content.ReportContent`` as the workbook: the same front page, then each section on its own A4
landscape page with the same columns in the same order (the technical key, outside the
workbook's print area, is left out here too). Numbers are written the Norwegian way: 1 234 567,
14 369,50, 72,8 %.

The document is PDF/A-2a (ISO 19005-2, level a), what Arkivverket takes into a Noark archive
and what serves universal design: tagged (headings, tables with header cells, the reading
order of the page), its language stated (``/Lang`` and XMP ``dc:language``), a bookmark per
part, every font embedded as a subset (DejaVu Sans, shipped in ``fonts/``), sRGB as output
intent, and XMP metadata with the title, organisation, period, status and version.

WeasyPrint lays it out from HTML: no library that draws PDFs from Python alone tags a document
(ReportLab, fpdf2 and borb write no structure tree), and WeasyPrint's tables split a tall row
across pages, so text of any length prints in full, wrapped at word boundaries. It needs Pango
from the system; without it the report says so in one line (``RenderFailed``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from ...models import FieldDataType
from .document import ReportContent, Row, SectionPart, rounded
from .texts import CONTROL, Words

FONTS = Path(__file__).resolve().parent / "fonts"
NBSP = "\u00a0"
VALUE_WIDTHS = ("71mm", "24mm", "32mm", "22mm", "27mm", "20mm", "71mm")
"""The values table's columns, 267 mm together (A4 landscape less the margins). Each heading fits
its column on one line in every language (in bold at ``FONT_PT``, within ``PADDING_PT`` each
side): "Change in %" and "Forrige periode" broke over two lines at 24 and 27 mm (outsider)."""
FONT_PT = 8.5
PADDING_PT = 6
VARIANT = "pdf/a-2a"
_rendering = threading.Lock()
"""WeasyPrint (through Pango and fontconfig) is not documented as safe to run in two threads at
once; a process renders one PDF at a time."""


def _grouped(text: str, language: str = "nb") -> str:
    """Python's 1,234.56 as Norwegian 1 234,56 (no-break space between groups); English keeps it."""
    return text if language == "en" else text.replace(",", NBSP).replace(".", ",")


def number_text(value: Decimal, data_type: FieldDataType, *, signed: bool = False, language: str = "nb") -> str:
    sign = "+" if signed else ""
    if data_type == FieldDataType.INTEGER:
        return _grouped(f"{int(value):{sign},}", language)
    if data_type == FieldDataType.PERCENT:
        return _grouped(f"{rounded(value, 1):{sign},.1f}", language) + (f"{NBSP}pp" if signed else f"{NBSP}%")
    return _grouped(f"{rounded(value, 2):{sign},.2f}", language)


def value_text(words: Words, row: Row, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return words("value.yes") if value else words("value.no")
    if isinstance(value, Decimal):
        return number_text(value, row.kind, language=words.language)
    return str(value)


def share_text(share: Decimal, language: str = "nb") -> str:
    return _grouped(f"{rounded(share * 100, 1):+,.1f}", language) + f"{NBSP}%"


def _t(text: str) -> str:
    """Text as HTML: escaped, without the control characters HTML has no place for."""
    return escape(CONTROL.sub("", text), quote=True)


def _css(text: str) -> str:
    """Text as a CSS string (the page header and footer), "<" escaped too: the string stands in
    a <style> element, which an organisation named "…</style>…" would otherwise end."""
    cleaned = CONTROL.sub("", text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{cleaned}"'


def _cell(text: str, tag: str = "td", css: str = "", **attributes: str) -> str:
    classes = f' class="{css}"' if css else ""
    extra = "".join(f' {name}="{_t(value)}"' for name, value in attributes.items())
    return f"<{tag}{classes}{extra}>{_t(text)}</{tag}>"


def _listing(values: Sequence[str], css: str = "") -> str:
    """A table row of plain cells, the last one prose (wrapped, its line breaks kept)."""
    cells = "".join(_cell(value) for value in values[:-1]) + _cell(values[-1], css="prose")
    return f'<tr class="{css}">{cells}</tr>' if css else f"<tr>{cells}</tr>"


def _table(columns: Sequence[str], rows: Iterable[str], widths: Sequence[str], css: str = "grid") -> str:
    """A table with a header row of column header cells and a column width each (the last takes the rest)."""
    cols = "".join(f'<col style="width: {width}">' if width else "<col>" for width in widths)
    head = "".join(_cell(name, "th", scope="col") for name in columns)
    return f'<table class="{css}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _front(content: ReportContent) -> str:
    w = content.words
    facts = "".join(f"<tr>{_cell(label, 'th', scope='row')}{_cell(value)}</tr>" for label, value in content.facts)
    html = [f"<h1>{_t(w('document.title'))}</h1>", f'<table class="facts"><tbody>{facts}</tbody></table>']
    if content.missing_required:
        rows = (_listing((listed.section, listed.label), "error") for listed in content.missing_required)
        html += [f"<h2>{_t(content.missing_heading)}</h2>", _table((w("column.section"), w("column.field")), rows, ("90mm", ""))]
    html.append(f"<h2>{_t(content.findings_heading)}</h2>")
    if content.findings:
        columns = (w("column.section"), w("column.field"), w("column.type"), w("column.message"))
        listed = (_listing((item.section, item.label, item.note.label, item.note.message)) for item in content.ordered_findings)
        html.append(_table(columns, listed, ("60mm", "70mm", "20mm", "")))
    else:
        html.append(f"<p>{_t(w('findings.none'))}</p>")
    return f'<section class="front">{"".join(html)}</section>'


def _value_cells(content: ReportContent, row: Row) -> str:
    w = content.words
    if row.is_text:
        prior = f'<p class="prior">{_t(w("value.prior_text", text=str(row.prior)))}</p>' if row.prior else ""
        value = w("value.missing") if row.missing else str(row.value or "")
        return f'<td colspan="4" class="prose{" missing" if row.missing else ""}">{_t(value)}{prior}</td>'
    if row.missing:
        current = _cell(w("value.missing"), css="number missing")
    else:
        current = _cell(value_text(w, row, row.value), css="number")
    change = number_text(row.change, row.kind, signed=True, language=w.language) if row.change is not None else ""
    share = share_text(row.change_share, w.language) if row.change_share is not None else ""
    return current + "".join(_cell(text, css="number") for text in (value_text(w, row, row.prior), change, share))


def _section(content: ReportContent, part: SectionPart) -> str:
    w = content.words
    columns = (
        w("column.field"),
        w("column.value"),
        w("column.prior"),
        w("column.change"),
        w("column.change_share"),
        w("column.required"),
        w("column.remarks"),
    )
    rows = []
    for row in part.rows:
        severities = {note.severity for note in row.notes}
        fill = ' class="error"' if "error" in severities else ' class="warning"' if severities else ""
        required = w("value.yes") if row.required else ""
        cells = _cell(row.display_label, "th", scope="row") + _value_cells(content, row) + _cell(required)
        rows.append(f"<tr{fill}>{cells}{_cell(row.remarks, css='prose')}</tr>")
    description = f'<p class="description">{_t(part.description)}</p>' if part.description else ""
    table = _table(columns, rows, VALUE_WIDTHS, "grid values")
    return f'<section class="part"><h1>{_t(part.title)}</h1>{description}{table}</section>'


def _trail(content: ReportContent) -> str:
    """Bufdir's review of the earlier versions, and the dialogue about the values."""
    w = content.words
    html = [f"<h1>{_t(w('heading.trail'))}</h1>"]
    if content.history:
        columns: tuple[str, ...] = (w("column.version"), w("column.event"), w("column.when"), w("column.who"), w("column.reason"))
        rows = (_listing((str(event.version), event.what, event.at, event.who, event.reason)) for event in content.history)
        html += [f"<h2>{_t(w('heading.versions'))}</h2>", _table(columns, rows, ("18mm", "42mm", "40mm", "40mm", ""))]
    if content.dialogue:
        names = ("column.section", "column.field", "column.type", "column.when", "column.who", "column.outcome", "column.text")
        columns = tuple(w(name) for name in names)
        said = (
            _listing((item.section, item.field, item.kind, item.at, item.who, item.outcome, item.text))
            for item in content.dialogue
        )
        # the section column fits a long title word ("Førebyggjande": 26 mm broke it mid-word, outsider);
        # the when, who and outcome columns gave the room (they wrap between words)
        widths = ("36mm", "32mm", "28mm", "32mm", "30mm", "40mm", "")
        html += [f"<h2>{_t(w('heading.dialogue'))}</h2>", _table(columns, said, widths)]
    return f'<section class="part">{"".join(html)}</section>'


def _stylesheet(content: ReportContent) -> str:
    w = content.words
    before, _, rest = w("page.number", page="\0", pages="\1").partition("\0")
    between, _, after = rest.partition("\1")
    page_number = f"{_css(before)} counter(page) {_css(between)} counter(pages) {_css(after)}"
    return f"""
@font-face {{ font-family: "DejaVu Sans"; src: url({(FONTS / "DejaVuSans.ttf").as_uri()}); }}
@font-face {{ font-family: "DejaVu Sans"; font-weight: bold; src: url({(FONTS / "DejaVuSans-Bold.ttf").as_uri()}); }}
@page {{
  size: A4 landscape; margin: 19mm 15mm 15mm 15mm;
  font-family: "DejaVu Sans"; font-size: 8pt; color: #444444;
  @top-left {{ content: {_css(content.organization_name)}; }}
  @top-center {{ content: {_css(content.period)}; }}
  @top-right {{ content: {_css(w("document.title"))}; }}
  @bottom-left {{ content: {_css(content.footer)}; }}
  @bottom-right {{ content: {page_number}; }}
}}
html {{ font-family: "DejaVu Sans"; font-size: {FONT_PT}pt; line-height: 10.5pt; color: #000000; }}
body {{ margin: 0; }}
section.part {{ break-before: page; }}
h1 {{ font-size: 16pt; line-height: 20pt; margin: 0 0 8pt 0; }}
h2 {{ font-size: 11pt; line-height: 14pt; margin: 10pt 0 4pt 0; break-after: avoid; }}
p {{ margin: 0; }}
p.description {{ color: #555555; margin-bottom: 11pt; }}
p.prior {{ color: #555555; margin-top: 4pt; }}
table {{ border-collapse: collapse; table-layout: fixed; width: 100%; }}
th, td {{ vertical-align: top; text-align: left; font-weight: normal; padding: 2.5pt {PADDING_PT}pt;
  overflow-wrap: break-word; }}
.prose {{ white-space: pre-line; }}
table.facts {{ width: auto; }}
table.facts th {{ font-weight: bold; width: 50mm; padding: 0 6pt 3pt 6pt; }}
table.facts td {{ width: 200mm; padding: 0 6pt 3pt 6pt; }}
table.grid thead th {{ font-weight: bold; background: #DCE6F0; border-bottom: 0.6pt solid #999999; }}
table.grid tbody > tr > * {{ border-bottom: 0.25pt solid #DDDDDD; }}
table.values thead th:nth-child(n+2):nth-child(-n+5) {{ text-align: right; }}
td.number {{ text-align: right; white-space: nowrap; }}
.missing {{ font-weight: bold; color: #A4161A; }}
tr.error > * {{ background: #F8D7DA; }}
tr.warning > * {{ background: #FFF3CD; }}
"""


def html_of(content: ReportContent) -> str:
    """The document as HTML: what WeasyPrint lays out and tags."""
    parts = [_front(content), *(_section(content, part) for part in content.sections)]
    if content.history or content.dialogue:
        parts.append(_trail(content))
    meta = {
        "author": content.organization_name,
        "description": content.description,
        "keywords": ", ".join(keyword.replace(",", " ") for keyword in content.keywords),
        "generator": content.words("document.producer"),
        "dcterms.created": content.created.isoformat(timespec="seconds"),
    }
    head = "".join(f'<meta name="{name}" content="{_t(value)}">' for name, value in meta.items())
    return (
        f'<!DOCTYPE html><html lang="{_t(content.language)}"><head><meta charset="utf-8">'
        f"<title>{_t(content.title)}</title>{head}<style>{_stylesheet(content)}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def _finisher(language: str) -> Any:
    """What WeasyPrint leaves out, added before the file is written: ``dc:language`` in the XMP
    metadata (it states the language in the catalogue's ``/Lang`` only); each header cell's
    ``/Scope`` (Column in a table's head, Row beside its row), which assistive technology reads
    more widely than the ``/Headers`` references it writes on the data cells; and the ``/IDTree``
    those references are resolved through (ISO 32000-1, 14.7.2)."""
    import pydyf  # WeasyPrint's PDF writer, there with it

    described = (
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language></rdf:Description>"
    ).encode()

    def referred(pdf: Any, reference: bytes) -> Any:
        return pdf.objects[int(reference.split()[0])]

    def finish(document: Any, pdf: Any) -> None:
        stream = referred(pdf, pdf.catalog["Metadata"])
        packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
        stream.stream = [packet.replace(b"</rdf:RDF>", described + b"</rdf:RDF>", 1)]
        named: list[tuple[str, Any]] = []
        for element in pdf.objects:
            if isinstance(element, dict) and element.get("S") == "/TH":
                group = referred(pdf, referred(pdf, element["P"])["P"])
                element["A"]["Scope"] = "/Column" if group.get("S") == "/THead" else "/Row"
                if "ID" in element:
                    named.append((str(element["ID"].string), element))
        if named:
            identifiers = pydyf.Dictionary({"Names": pydyf.Array()})
            for _, element in sorted(named, key=lambda pair: pair[0].encode()):
                identifiers["Names"] += [element["ID"], element.reference]
            pdf.add_object(identifiers)
            referred(pdf, pdf.catalog["StructTreeRoot"])["IDTree"] = identifiers.reference

    return finish


def _fonts_only() -> Any:
    """A fetcher of the document's own fonts and nothing else: whatever a text might name (it is
    escaped, so nothing should) is never read from the disk or the network."""
    from weasyprint import URLFetcher

    class FontsOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(FONTS.as_uri() + "/") or ".." in url:
                raise ValueError(f"the report fetches its own fonts only, not {url[:80]}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols={"file"}, fail_on_errors=True)


def render_pdf(content: ReportContent) -> bytes:
    from weasyprint import HTML  # loads Pango: see renderers, which says what is missing

    fetcher = _fonts_only()
    with _rendering:
        document = HTML(string=html_of(content), base_url=FONTS.as_uri() + "/", url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(pdf_variant=VARIANT, finisher=_finisher(content.language))
    return pdf
