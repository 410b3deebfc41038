"""Meta facts: which agency, which year, which format, when published. Each with its evidence."""

from __future__ import annotations

import re
from functools import cache

from extractor.core import confidence as tier
from extractor.core.layout import layout
from extractor.core.normalize import NormalText, label_key, nfkc
from extractor.core.reading import span
from extractor.core.schema import Format, Meta, Value
from extractor.rules.record import build

# A year in digits, or in Chinese numerals as formal titles print it ("二〇二二年", 〇 also as ○, O or 零).
_YEAR = r"(?P<year>(?:19|20)\d{2}|(?:二[〇○O零]|一九)[〇○O零一二三四五六七八九]{2})"
_YEAR_DIGITS = str.maketrans("〇○O零一二三四五六七八九", "000012345678" + "9")
# The words that end a title: 年度报告, 报告, 工作情况的报告, or 年报 at the end of its line (prose
# speaks of "2008年以来的政府信息公开年报" too); older titles leave out 政府; since 2020 many read
# 政务公开工作年度报告.
_REPORT_WORD = r"(?:(?:政府)?信息|政务)公开(?:工作)?(?:情况的?)?\s*(?:(?:年度)?\s*报告|年报(?=[^\S\n]*(?:\n|$)))"
# Title: "<organ>2020年政府信息公开工作年度报告" or "2024年<organ>政府信息公开工作年度报告".
_TITLE = re.compile(
    rf"^[#\s|]*(?:(?:名称|标题|题目)\s*[:：|]\s*)?(?P<before>[^\n\d]{{0,40}}?)\s*{_YEAR}\s*年度?\s*(?P<after>[^\n\d]{{0,40}}?)\s*{_REPORT_WORD}",
    re.M,
)
# "政府信息公开工作年度报告（2022年）": the year after the title's words; the agency before them, or alone
# on the next line.
_TITLE_YEAR_LAST = re.compile(
    rf"^[#\s|]*(?P<before>[^\n\d]{{0,40}}?)\s*{_REPORT_WORD}\s*[（(]\s*{_YEAR}\s*(?:年度?)?\s*[)）]"
    rf"(?:[^\S\n]*\n[^\S\n]*(?P<after>[^\n\d]{{2,40}})$)?",
    re.M,
)
_PERIOD = re.compile(rf"(?:统计|期限|周期|时限|时间)[^。\n]{{0,12}}?{_YEAR}\s*年\s*1\s*月\s*1\s*日")
_REPORT_OF = re.compile(rf"现将(?P<organ>[^\n，,。]{{2,40}}?){_YEAR}\s*年度?")
_COMPILED_BY = re.compile(r"由(?P<organ>[^\n，,。]{2,60}?)(?:编制|制作|发布)")
# The publication date: after a label ("发布日期：2024-01-20"), or alone on its line ("（2024年1月20日）").
# Two patterns rather than one alternation with `^`: each begins with characters the regex engine
# can skip ahead to in C, which makes the search of a report's head several times faster.
_PUBLISHED_LABELLED = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|日期)\s*[:：]?\s*\|?\s*(?P<date>(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)"
)
_DATE_LINE = r"[^\S\n]*\(?(?P<date>(?:19|20)\d{2}-\d{1,2}-\d{1,2}|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)\)?(?:\s|$)"
_PUBLISHED_FIRST_LINE = re.compile(_DATE_LINE)  # used with match(): the text's first line
_PUBLISHED_LINE = re.compile("\n" + _DATE_LINE)


def _year_number(raw: str) -> int:
    return int(raw.translate(_YEAR_DIGITS))


def read_meta(doc: NormalText) -> Meta:
    """Agency, year and publication date; the format is decided later, from the tables and the year."""
    meta = build(Meta, {})
    text = doc.text
    head = text[:6000]
    title = _TITLE.search(head) or _TITLE_YEAR_LAST.search(head)
    _year(doc, meta, title)
    _organ(doc, meta, title)
    m = _published(head)
    if m:
        meta.published = Value(
            value=_iso_date(m.group("date")), status="parsed", source="metadata", confidence=tier.PROSE,
            evidence=[span(doc, m.start("date"), m.end("date"))], raw=m.group("date"),
        )  # fmt: skip
    return meta


def _published(head: str) -> re.Match[str] | None:
    """The first publication date in `head`, labelled or alone on its line."""
    labelled = _PUBLISHED_LABELLED.search(head)
    line = _PUBLISHED_FIRST_LINE.match(head) or _PUBLISHED_LINE.search(head)
    if line is None:
        return labelled
    line_start = line.start() + (head[line.start()] == "\n")  # the line, not the break before it
    return labelled if labelled is not None and labelled.start() <= line_start else line


def format_value(doc: NormalText, fmt: Format, evidence: tuple[int, int] | None) -> Value:
    return Value(
        value=fmt,
        status="parsed",
        source="rule",
        confidence=tier.FORCED,
        evidence=[span(doc, *evidence)] if evidence else [],
    )


def _year(doc: NormalText, meta: Meta, title: re.Match[str] | None) -> None:
    period = _PERIOD.search(doc.text)
    report_of = _REPORT_OF.search(doc.text[:6000])
    candidates = [(m, "year") for m in (title, report_of, period) if m]
    if not candidates:
        m = re.search(rf"{_YEAR}\s*年度?", doc.text[:3000])
        if m:
            meta.year = Value(
                value=_year_number(m.group("year")), status="review", source="sentence", confidence=tier.REVIEW_CAP,
                evidence=[span(doc, m.start("year"), m.end("year"))],
            )  # fmt: skip
            meta.year.review.append("year taken from the first year the text mentions; no title or period found")
        return
    m, g = candidates[0]
    year = _year_number(m.group(g))
    v = Value(
        value=year,
        status="parsed",
        source="sentence",
        confidence=tier.PROSE_CONFIRMED,
        evidence=[span(doc, m.start(g), m.end(g))],
    )
    others = {_year_number(c.group(g2)) for c, g2 in candidates[1:]}
    if others and year not in others:
        v.review.append(f"title year {year} and statistics period year {sorted(others)} differ")
        v.confidence = tier.REVIEW_CAP
    meta.year = v


def _organ(doc: NormalText, meta: Meta, title: re.Match[str] | None) -> None:
    found: list[tuple[str, int, int, float]] = []
    if title:
        # A name with an agency's suffix first; then one without, but only on the title's own line
        # ("正文" on the line above a title is a saved page's heading, not its author).
        for titled in (False, True):
            for g in ("before", "after"):
                if title.group(g) is None:
                    continue
                # a name on a line of its own beside the title is the agency's only with a suffix
                if g == "before":
                    between = doc.text[title.end(g) : title.start("year")]
                else:
                    between = doc.text[title.end("year") : title.start(g)]
                # "…条例》规定，现公布泰州市人民政府2017年政府信息公开工作年度报告": a sentence that
                # names the report, not its title; the name is read as from a sentence
                # (but "关于印发《某某县2023年…报告》的通知" quotes the title itself: the name after 《 is its own)
                in_sentence = _CLAUSE.match(title.group(g)) is not None and not _QUOTED.search(title.group(g))
                name = _clean_organ(title.group(g), titled=titled and "\n" not in between and not in_sentence)
                if name and not any(f[0] == name for f in found):
                    start = title.start(g) + title.group(g).find(name)
                    found.append((name, start, start + len(name), tier.PROSE if in_sentence else tier.TITLE_NAME))
    if title and not found and (line := _LINE_AFTER.match(doc.text, title.end())) is not None:
        # "2022年政府信息公开工作年度报告" / "杭州市西湖区人民政府": the author alone on the line below
        # the title (in brackets or not), taken only with an agency's suffix.
        name = _clean_organ(line.group(1))
        if name:
            start = line.start(1) + line.group(1).find(name)
            found.append((name, start, start + len(name), tier.PROSE))
    for pattern in (_REPORT_OF, _COMPILED_BY):
        m = pattern.search(doc.text[:6000])
        name = _clean_organ(m.group("organ")) if m else None
        if m and name:
            start = m.start("organ") + m.group("organ").find(name)
            found.append((name, start, start + len(name), tier.PROSE))
    if not found:
        m = re.search(
            rf"{_YEAR}\s*年度?\s*[,，]\s*(?P<organ>[^\n，,。、]{{2,30}}?)(?:在|坚持|严格|认真|深入|按照|围绕|以)",
            doc.text[:6000],
        )
        name = _clean_organ(m.group("organ")) if m else None
        if m and name:
            start = m.start("organ") + m.group("organ").find(name)
            found.append((name, start, start + len(name), tier.SENTENCE_NAME))
    if not found:
        return
    name, start, end, conf = found[0]
    name = _brackets_as_printed(doc, start, name)
    v = Value(value=name, status="parsed", source="sentence", confidence=conf, evidence=[span(doc, start, end)])
    if conf < tier.PROSE:
        v.review.append("agency name read from a sentence, not from the title")
    if _looks_defaced(name):
        v.status = "review"
        v.confidence = tier.DEFACED
        v.review.append("agency name looks defaced (spam or gambling-site text where the name should be)")
    meta.organ = v


# The line after the one a match ends on, its brackets taken off.
_LINE_AFTER = re.compile(r"[^\n]*\n[^\S\n]*[（(]?([^\n\d（）()]{2,40}?)[)）]?[^\S\n]*(?:\n|$)")


_ORGAN_NOISE = re.compile(r"[#*\s|]")
_ORGAN_LABEL = re.compile(r"^.*[:：]")  # "标题：…", "发布机构：…"
_ORGAN_LEAD = re.compile(r"^(?:关于|本机关|我局|我委|我办|现将|(?:现|特|兹)?予?(?:公布|发布))")  # not 将 alone: 将乐县
_CLAUSE = re.compile(r".*[,，。;；!！?？《》“”]")  # a sentence before a name: the name is in its last clause
_QUOTED = re.compile(r"《[^》]*$")  # inside a quoted title: 《 opened and not closed
_BREADCRUMB = re.compile(r"^.*[>＞»/／]")  # "首页>政务公开>…": a saved page's path before the title
_NAME = re.compile(r"[\u4e00-\u9fff（）()]{2,30}")
_LATIN_RUN = re.compile(r"[A-Za-z0-9_]{2,}")  # a domain or a spam handle, never part of an agency's name


def _clean_organ(raw: str, titled: bool = False) -> str | None:
    """The agency's name in `raw`, or None. In a sentence it must end like an agency's name (a suffix
    of labels.toml); in the title it is whatever names the report's author (…综合实验区, …新区, a
    city alone), as long as it is a name: Chinese characters and brackets, not a breadcrumb."""
    s = _ORGAN_NOISE.sub("", raw).strip("：:，,。 【】[]")  # "【2023年】宁波市…": brackets around the year
    s = _ORGAN_LABEL.sub("", s)
    s = _CLAUSE.sub("", s)
    s = _BREADCRUMB.sub("", s)
    s = _ORGAN_LEAD.sub("", s).removesuffix("关于")  # "某某区教育局关于2022年度…情况的报告"
    if len(s) < 2:
        return None
    if _looks_defaced(s):
        return s
    if s.endswith(layout().organ_suffixes) or (titled and _NAME.fullmatch(s) and s not in layout().not_names):
        return s
    return None


def _brackets_as_printed(doc: NormalText, start: int, name: str) -> str:
    """The name with its brackets as the report prints them: "中国（上海）自由贸易试验区…" keeps its
    full-width brackets, which normalisation made ASCII (other characters stay normalised: a mirror
    site's Traditional name is given in Simplified, as its original page prints it)."""
    if "(" not in name and ")" not in name:
        return name
    chars = list(name)
    for i, ch in enumerate(chars):
        if ch in "()":
            printed = doc.original[doc.to_original(start + i)]
            chars[i] = printed if printed in "（）" else ch
    return "".join(chars)


def _looks_defaced(name: str) -> bool:
    lowered = name.lower()
    return bool(_LATIN_RUN.search(name)) or any(m.lower() in lowered for m in layout().spam_markers)


def _iso_date(raw: str) -> str:
    parts = [int(x) for x in re.findall(r"\d+", raw)]
    return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}" if len(parts) >= 3 else raw


def detect_format(doc: NormalText, has_tables: bool, year: int | None) -> tuple[Format, tuple[int, int] | None]:
    """'2021', '2019' or 'legacy', with the text that decided it."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    for marked, words in layout().format_markers.items():
        for w in words:
            i = doc.text.find(w)
            if i >= 0:
                counts[marked] = counts.get(marked, 0) + 1
                first.setdefault(marked, (i, i + len(w)))
    n21, n19 = counts.get("2021", 0), counts.get("2019", 0)
    if not has_tables and not n21 and not n19:
        return ("legacy" if year is None or year < 2019 else ("2021" if year >= 2021 else "2019")), None
    newer = n21 > n19 if n21 != n19 else (year or 0) >= 2021  # the markers decide; on a tie, the year
    fmt: Format = "2021" if newer else "2019"
    return fmt, first.get(fmt)


NOT_A_REPORT = (
    "not a government information-disclosure annual report (no title, sections or tables of a 政府信息公开工作年度报告)"
)


def is_annual_report(doc: NormalText, sections: int) -> bool:
    """Does the text show itself as an annual report? Recognised by what it prints, never by default:
    two of the six sections, one of the official tables' own labels, or the title and a section."""
    if sections >= 2 or any(marker in doc.text for marker in _table_markers()):
        return True
    head = doc.text[:6000]
    return sections >= 1 and (_TITLE.search(head) or _TITLE_YEAR_LAST.search(head)) is not None


@cache
def _table_markers() -> tuple[str, ...]:
    """Text only the official tables print: 表三's first row label and 表二's block captions."""
    lay = layout()
    first_row = label_key(lay.app_rows[0].label)  # 本年新收政府信息公开申请数量
    captions = {nfkc(b.caption) for blocks in lay.active.values() for b in blocks}  # 第二十条第(一)项 …
    return (first_row, *sorted(captions))
