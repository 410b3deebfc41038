"""Synthetic reports that satisfy every identity, rendered in each flattening real reports show.

Used by the property tests (render, parse back, compare) and by benchmarks/throughput.py. The
generator knows only the official layout (extractor/labels.toml) and the rules of report-format.md
§6; it never looks at the parser.
"""

from __future__ import annotations

import html
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from extractor.core.layout import layout
from extractor.core.schema import APPLICANT_COLUMNS, DISPUTE_PARTS, OTHER_2021, RESULT_ROWS
from extractor.read.load import load_text

STYLES = ("open", "cell_per_line", "lines", "markdown", "tabs", "fixed", "html")
Truth = dict[str, int | float]


def random_report(rng: random.Random, fmt: str) -> Truth:
    """Field id -> value for a report of `fmt` whose tables satisfy R1–R4 and R5."""
    t: Truth = {}
    rows = [r for r in RESULT_ROWS if not (fmt == "2021" and r == "other_total")]
    rows += list(OTHER_2021) if fmt == "2021" else []
    a = "applications"
    for col in APPLICANT_COLUMNS[:-1]:
        scale = 40 if col == "natural_person" else 3
        for r in rows:
            t[f"{a}.{r}.{col}"] = rng.choice([0, 0, 0, rng.randint(0, scale)])
        if fmt == "2021":
            t[f"{a}.other_total.{col}"] = sum(t[f"{a}.{r}.{col}"] for r in OTHER_2021)
        processed = sum(t[f"{a}.{r}.{col}"] for r in RESULT_ROWS)
        t[f"{a}.processed_total.{col}"] = processed
        forward = rng.randint(0, scale // 3 + 1)
        carried = rng.randint(0, processed + forward)
        t[f"{a}.carried_over.{col}"] = carried
        t[f"{a}.carried_forward.{col}"] = forward
        t[f"{a}.new_received.{col}"] = processed + forward - carried
    for r in {k.split(".")[1] for k in t if k.startswith(a)}:
        t[f"{a}.{r}.total"] = sum(t[f"{a}.{r}.{c}"] for c in APPLICANT_COLUMNS[:-1])
    for g in ("reconsideration", "litigation_direct", "litigation_after_reconsideration"):
        parts = [rng.choice([0, 0, rng.randint(0, 9)]) for _ in DISPUTE_PARTS]
        for p, v in zip(DISPUTE_PARTS, parts, strict=True):
            t[f"disputes.{g}.{p}"] = v
        t[f"disputes.{g}.total"] = sum(parts)
    for block in layout().active[fmt]:
        for row in block.rows:
            for col in block.columns:
                if col.kind == "money":
                    v: int | float = round(rng.uniform(0, 5000), 2)
                elif col.kind == "signed":
                    v = rng.randint(-30, 30)
                else:
                    v = rng.randint(0, 3000)
                t[f"active.{row.id}.{col.id}"] = v
    t["narrative.applications_received"] = t[f"{a}.new_received.total"]
    t["narrative.applications_completed"] = t[f"{a}.processed_total.total"]
    return t


# ---------------------------------------------------------------- rendering
def _cell(v: int | float, blank: bool = False) -> str:
    if blank:
        return ""
    return str(v)


def _table_rows(t: Truth, fmt: str) -> list[tuple[list[str], list[str]]]:
    """(label cells, value cells) for every data row of 表二, 表三 and 表四, in official order."""
    lay = layout()
    out: list[tuple[list[str], list[str]]] = []
    out.append((["表二"], []))
    for block in lay.active[fmt]:
        out.append(([block.caption], []))
        out.append((["信息内容", *[c.label for c in block.columns]], []))
        for row in block.rows:
            out.append(([row.label], [_cell(t[f"active.{row.id}.{c.id}"]) for c in block.columns]))
    out.append((["表三"], []))
    for row in lay.app_rows_for(fmt):
        if fmt == "2021" and row.id == "other_total":
            out.append(([row.label], []))  # a group label in 2021
            continue
        out.append(([row.label], [_cell(t[f"applications.{row.id}.{c.id}"]) for c in lay.app_columns]))
    out.append((["表四"], []))
    values = [str(t[f"disputes.{g.id}.{c.id}"]) for g in lay.dispute_groups for c in lay.dispute_columns]
    out.append(([], values))
    return out


_SECTION_TITLES = {
    "表二": "二、主动公开政府信息情况",
    "表三": "三、收到和处理政府信息公开申请情况",
    "表四": "四、政府信息公开行政复议、行政诉讼情况",
}


def _intro(t: Truth, organ: str, year: int) -> str:
    return (
        f"{organ}{year}年政府信息公开工作年度报告\n"
        f"本报告所列数据统计期限从{year}年1月1日至{year}年12月31日止。\n"
        "一、总体情况\n"
        f"{year}年，全年共收到政府信息公开申请{t['narrative.applications_received']}件，"
        f"办结{t['narrative.applications_completed']}件。\n"
    )


def _outro() -> str:
    return "五、存在的主要问题及改进情况\n继续加强工作。\n六、其他需要报告的事项\n无。\n"


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _render_rows(rows: list[tuple[list[str], list[str]]], style: str) -> list[str]:
    return _render_text_rows(rows, _ROW_STYLES[style])


def _render_text(t: Truth, fmt: str, row: Callable[[list[str], list[str]], str]) -> list[str]:
    return _render_text_rows(_table_rows(t, fmt), row)


def _render_text_rows(rows: list[tuple[list[str], list[str]]], row: Callable[[list[str], list[str]], str]) -> list[str]:
    lines: list[str] = []
    for labels, values in rows:
        if labels and labels[0] in _SECTION_TITLES:
            title = _SECTION_TITLES[labels[0]]
            if title:
                lines.append(title)
            continue
        lines.append(row(labels, values))
    return lines


def render(
    t: Truth,
    fmt: str,
    style: str,
    organ: str = "某市某某局",
    year: int = 2022,
    blank: Callable[[int | float], bool] | None = None,
) -> str:
    """The whole report as the given flattening. `blank(value)`: print this table cell empty (a zero
    left blank, as many reports do)."""
    if style == "html":
        return _render_html(t, fmt, organ, year)
    if blank is not None:
        rows = [
            (labels, ["" if v and blank(_number(v)) else v for v in values]) for labels, values in _table_rows(t, fmt)
        ]
        return _intro(t, organ, year) + "\n".join(_render_rows(rows, style)) + "\n" + _outro()
    return _intro(t, organ, year) + "\n".join(_render_text(t, fmt, _ROW_STYLES[style])) + "\n" + _outro()


def _markdown_row(labels: list[str], values: list[str]) -> str:
    cells = [*labels, *values]
    line = "| " + " | ".join(cells) + " |"
    if not values:  # a header: Markdown wants its separator
        return line + "\n|" + "---|" * len(cells)
    return line


def _width(text: str) -> int:
    """Display columns of `text`: a CJK character takes two, as in a monospaced text export."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


FIXED_LABEL, FIXED_CELL = 80, 8  # display columns of the label field and of each number's field


def _fixed_row(labels: list[str], values: list[str]) -> str:
    """A fixed-width line, as `pdftotext -layout` writes one: the label padded, each number right-aligned
    in a field of its own; an empty cell is only spaces, so only its position says it is there."""
    label = " ".join(labels)
    if not values:
        return label
    return label + " " * max(1, FIXED_LABEL - _width(label)) + "".join(v.rjust(FIXED_CELL) for v in values)


_ROW_STYLES: dict[str, Callable[[list[str], list[str]], str]] = {
    "fixed": _fixed_row,
    "open": lambda labels, values: " | ".join([*labels, *values]) + " |",
    "cell_per_line": lambda labels, values: "\n".join(f"{x} |" for x in [*labels, *values]),
    "lines": lambda labels, values: "\n\n".join([*labels, *values]),
    "tabs": lambda labels, values: "\t".join([*labels, *values]),
    "markdown": _markdown_row,
}


def _render_html(t: Truth, fmt: str, organ: str, year: int) -> str:
    parts = ["<html><head><meta charset='utf-8'><title>报告</title><style>td{}</style></head><body>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in _intro(t, organ, year).splitlines()]
    table_open = False
    for labels, values in _table_rows(t, fmt):
        if labels and labels[0] in _SECTION_TITLES:
            if table_open:
                parts.append("</table>")
                table_open = False
            title = _SECTION_TITLES[labels[0]]
            if title:
                parts.append(f"<p>{title}</p>")
            parts.append("<table border='1'>")
            table_open = True
            continue
        cells = "".join(f"<td>{html.escape(x)}</td>" for x in [*labels, *values])
        parts.append(f"<tr>{cells}</tr>")
    if table_open:
        parts.append("</table>")
    parts += [f"<p>{line}</p>" for line in _outro().splitlines()]
    parts.append("<script>var x = '<p>1</p>';</script></body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------- what real pages do to a report's text
_CN = "一二三四五六"


def _renumber(style: str) -> Callable[[str], str]:
    def one(m: re.Match[str]) -> str:
        i = _CN.index(m.group(1)) + 1
        return {"dot": f"{i}. ", "dun": f"{i}、", "part": f"第{m.group(1)}部分 "}[style]

    return lambda text: re.sub(r"(?m)^([一二三四五六])、", one, text)


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _footers(text: str) -> str:
    """A page footer ("第 2 页 共 9 页") after every 25th line, as PDF text exports leave them."""
    lines = text.split("\n")
    return "\n".join(line + (f"\n第 {i // 25 + 1} 页 共 9 页" if i % 25 == 24 else "") for i, line in enumerate(lines))


# Rewrites that keep the lines (the parse must come back exactly) and one that loses them all (a
# scraped page saved as one line: the parse may doubt, never be silently wrong). Used on synthetic
# reports here and on the corpus in tests/test_variants.py.
PAGE_REWRITES: dict[str, Callable[[str], str]] = {
    "as-is": lambda text: text,
    "heading-dot": _renumber("dot"),
    "heading-dun": _renumber("dun"),
    "heading-part": _renumber("part"),
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "traditional": _traditional,
    "footers": _footers,
    "full-width-digits": lambda text: text.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}),
}
# Row labels as real reports reword them: a word added or dropped, a pause mark between listed
# words, the official note left out, 合计 for 总计. Whole labels only, each as printed somewhere.
REWORDINGS: tuple[tuple[str, str], ...] = (
    ("本年新收政府信息公开申请数量", "本年度新收政府信息公开申请数量"),
    ("上年结转政府信息公开申请数量", "上年度结转政府信息公开申请数量"),
    ("结转下年度继续办理", "结转下一年度继续办理"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（二）部分公开"),
    ("其他法律行政法规禁止公开", "其他法律、行政法规禁止公开"),
    ("属于四类过程性信息", "属于四类过程信息"),
    ("没有现成信息需要另行制作", "没有现成信息需要另行制作的"),
    ("信访举报投诉类申请", "信访、举报、投诉类申请"),
    ("要求行政机关确认或重新出具已获取信息", "要求行政机关确认或者重新出具已获取信息"),
    ("（七）总计", "（七）合计"),
)


def reword_labels(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """Each of REWORDINGS applied with probability `rate` (not for fixed-width text, whose columns
    the longer or shorter labels would shift)."""
    for official, reworded in REWORDINGS:
        if rng.random() < rate:
            text = text.replace(official, reworded)
    return text


WRAPS = ("numbers on the first line", "numbers between", "numbers on the last line")


def wrap_labels(tab_text: str, where: str) -> str:
    """PDF text of a table whose label cells wrap: tab-separated rows (the "tabs" style) written with
    single spaces, every label of 12 characters or more broken in the middle, its numbers on the
    label's first line (a top-aligned cell), between the two halves (centred) or on the last line
    (bottom-aligned)."""
    out = []
    for line in tab_text.split("\n"):
        label, *cells = line.split("\t")
        numbers = " ".join(cells)
        if not cells or len(label) < 12:
            out.append(" ".join([label, *cells]))
            continue
        head, tail = label[: len(label) // 2], label[len(label) // 2 :]
        out.append(
            {
                WRAPS[0]: f"{head} {numbers}\n{tail}",
                WRAPS[1]: f"{head}\n{numbers}\n{tail}",
                WRAPS[2]: f"{head}\n{tail} {numbers}",
            }[where]
        )
    return "\n".join(out)


def wrap_labels_in_rows(markdown_text: str, where: str) -> str:
    """A PDF-to-Markdown converter's table whose label cells wrap: each wrapped cell becomes a `|` row
    of its own, the label's second half with empty cells after the numbers' row (WRAPS[0]) or the
    first half with empty cells before it (WRAPS[2]). Labels of 12 characters or more wrap."""
    out = []
    for line in markdown_text.split("\n"):
        cells = line.split("|")
        label = cells[1].strip() if len(cells) > 3 else ""
        if not line.startswith("|") or len(label) < 12 or not cells[2].strip().isdigit():
            out.append(line)
            continue
        head, tail = label[: len(label) // 2], label[len(label) // 2 :]
        empty = "|" + "|".join(["  "] * (len(cells) - 3)) + "|"
        numbers = "|" + "|".join(cells[2:-1]) + "|"
        rows = (
            [f"| {head} {numbers}", f"| {tail} {empty}"]
            if where == WRAPS[0]
            else [f"| {head} {empty}", f"| {tail} {numbers}"]
        )
        out += rows
    return "\n".join(out)


LINE_LOSING = {"one-line": lambda text: re.sub(r"\s*\n\s*", " ", text)}


def header_one_character_per_line(text: str) -> str:
    """表三 with its column header printed as a narrow Word column exports it: each character of each
    header word on a line of its own (申/请/人/情/况, 自/然/人, …), before the first row."""
    lay = layout()
    words = [lay.app_header_labels[0], *(c.label for c in lay.app_columns[:1]), lay.app_header_labels[1]]
    words += [c.label for c in lay.app_columns[1:]]
    first = lay.app_rows[0].label
    at = text.index(first)
    return text[:at] + "\n".join(ch for word in words for ch in word) + "\n" + text[at:]


def collapse_identical_lines(text: str) -> str:
    """A crawler's copy of one-cell-per-line text: blank lines gone and each run of identical
    consecutive lines kept once (`28` / `0` / `28` for 28,0,0,0,0,0,28)."""
    kept: list[str] = []
    for line in text.split("\n"):
        if line.strip() and (not kept or line != kept[-1]):
            kept.append(line)
    return "\n".join(kept)


def break_numbers(text: str, rng: random.Random, rate: float) -> str:
    """A Word export's narrow cells: a number of two or more digits alone on its line is broken over
    two lines (`1` / `62` for 162) with probability `rate`."""

    def one(m: re.Match[str]) -> str:
        digits = m.group(0)
        if rng.random() >= rate:
            return digits
        cut = rng.randint(1, len(digits) - 1)
        return digits[:cut] + "\n" + digits[cut:]

    return re.sub(r"(?m)^\d{2,}$", one, text)


KINDS = {"text": [s for s in STYLES if s != "html"], "html": ["html"], "docx": ["docx"], "pdf": ["pdf"]}


def write_corpus(directory: Path, count: int, styles: Sequence[str] = STYLES, seed: int = 0) -> None:
    """Write `count` random consistent reports to `directory` (the benchmarks' corpora).

    `styles` may also name "docx" and "pdf": the HTML rendering laid out as a Word or PDF file.
    """
    from tests.documents import blocks_of_text, to_docx, to_pdf

    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        fmt = rng.choice(["2019", "2021"])
        style = rng.choice(list(styles))
        truth = random_report(rng, fmt)
        year = 2020 if fmt == "2019" else 2022
        name = directory / f"synthetic_{i:06d}_{style}"
        if style in ("docx", "pdf"):
            blocks = blocks_of_text(load_text(_render_html(truth, fmt, "某市某某局", year)).text)
            (to_docx if style == "docx" else to_pdf)(blocks, name.with_suffix(f".{style}"))
            continue
        suffix = "html" if style == "html" else "txt"
        name.with_suffix(f".{suffix}").write_text(render(truth, fmt, style, year=year), "utf-8")
