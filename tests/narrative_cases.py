"""A set of prose sentences, by class, with the facts each states: the yardstick of the narrative rules.

Each template is a way real reports phrase a fact (the classes of the prose issue: zero statements,
measure words and word order, coordinated lists, foreign subjects, qualified negations), filled with
random values. Expected: the value of each fact the sentence states, None for every other fact (a
value there that is not in review is false certainty).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from extractor.core.schema import Value

FACTS = ("applications_received", "applications_completed", "reconsideration_total", "litigation_total", "fee_amount")


@dataclass(frozen=True)
class Case:
    cls: str
    text: str
    expected: dict[str, int | float | None]


def tally(values: Mapping[str, Value], case: Case) -> Counter[str]:
    """judged / exact / reviewed / silent / false_certain counts of one case, from the field id ->
    Value map a reading or a report gives."""
    out: Counter[str] = Counter()
    for fact in FACTS:
        v, expected = values[f"narrative.{fact}"], case.expected[fact]
        if expected is None:
            out["false_certain"] += v.value is not None and not v.review
            continue
        out["judged"] += 1
        out["exact"] += v.value == expected
        out["reviewed"] += bool(v.review)
        out["silent"] += v.value != expected and not v.review
    return out


def _both_zero(s: str) -> Callable[[random.Random], tuple[str, dict]]:
    return lambda rng: (s.format(y=rng.randint(2015, 2025)), {"reconsideration_total": 0, "litigation_total": 0})


def _one(fact: str, s: str, lo: int = 1, hi: int = 999) -> Callable[[random.Random], tuple[str, dict]]:
    def make(rng: random.Random) -> tuple[str, dict]:
        n = rng.randint(lo, hi)
        return s.format(n=n, y=rng.randint(2015, 2025)), {fact: n}

    return make


def _const(text: str, expected: dict) -> Callable[[random.Random], tuple[str, dict]]:
    return lambda rng: (text.format(y=rng.randint(2015, 2025)), expected)


def _thousands(fact: str, s: str) -> Callable[[random.Random], tuple[str, dict]]:
    """A figure written with a thousands separator ("2,600元")."""

    def make(rng: random.Random) -> tuple[str, dict]:
        n = rng.randint(1000, 999_999)
        return s.format(n=f"{n:,}"), {fact: n}

    return make


def _pair(s: str, first: str, second: str) -> Callable[[random.Random], tuple[str, dict]]:
    def make(rng: random.Random) -> tuple[str, dict]:
        a, b = rng.sample(range(0, 60), 2)
        return s.format(a=a, b=b), {first: a, second: b}

    return make


def _shared(s: str) -> Callable[[random.Random], tuple[str, dict]]:
    """One number said of both kinds of case ("…行政复议、行政诉讼均为2件")."""

    def make(rng: random.Random) -> tuple[str, dict]:
        n = rng.randint(0, 30)
        return s.format(n=n, y=rng.randint(2015, 2025)), {"reconsideration_total": n, "litigation_total": n}

    return make


def _ten_thousands(fact: str, s: str) -> Callable[[random.Random], tuple[str, dict]]:
    """A count in 万 ("1.2万件"), with one or two decimals or none."""

    def make(rng: random.Random) -> tuple[str, dict]:
        n = rng.choice([rng.randint(1, 9) * 10_000, rng.randint(11, 99) * 1_000, rng.randint(101, 999) * 100])
        shown = f"{n / 10_000:.2f}".rstrip("0").rstrip(".")
        return s.format(n=shown), {fact: n}

    return make


def _none(s: str) -> Callable[[random.Random], tuple[str, dict]]:
    return lambda rng: (s.format(n=rng.randint(2, 9999), m=rng.randint(2, 9999)), {})


TEMPLATES: dict[str, list[Callable[[random.Random], tuple[str, dict]]]] = {
    "zero statements": [
        _both_zero("本年度未发生因政府信息公开引起的行政复议和行政诉讼。"),
        _both_zero("{y}年，没有因政府信息公开工作被申请行政复议或被提起行政诉讼的情况。"),
        _both_zero("全年未发生政府信息公开行政复议、行政诉讼案件。"),
        _both_zero("本机关{y}年度无因政府信息公开引起的行政复议、行政诉讼。"),
        _both_zero("{y}年度我办未发生因政府信息公开申请行政复议、提起行政诉讼的案件。"),
        _both_zero("{y}年，我局未发生依申请公开政府信息方面的行政复议和行政诉讼。"),
        _both_zero("本年度未发生因依申请公开政府信息引起的行政复议、行政诉讼案件。"),
        _const("本年度未收到有关政府信息公开的行政复议申请。", {"reconsideration_total": 0}),
        _const("全年没有因政府信息公开被提起行政诉讼。", {"litigation_total": 0}),
        _const("本年度依申请公开未向申请人收取费用。", {"fee_amount": 0}),
        _const("依申请提供政府信息，暂不收费。", {"fee_amount": 0}),
        _const("{y}年本机关未收取信息处理费。", {"fee_amount": 0}),
        _const("依申请公开政府信息收取费用情况：无。", {"fee_amount": 0}),
        _const("本年度没有公民、法人或其他组织向本机关提出政府信息公开申请。", {"applications_received": 0}),
        _const("{y}年度未收到政府信息公开申请。", {"applications_received": 0}),
        _both_zero("未发生针对本机关政府信息公开事务的行政复议案、行政诉讼案和有关的申诉案。"),
        _both_zero("{y}年度政府信息公开行政复议、行政诉讼情况：无。"),
        _const("信息处理费收取情况：本年度未收取。", {"fee_amount": 0}),
        _const("本年度不涉及信息处理费收取。", {"fee_amount": 0}),
    ],
    "measure words and word order": [
        _one("applications_received", "全年共收到政府信息公开申请{n}件。"),
        _one("applications_received", "本年度共受理政府信息公开申请{n}条。"),
        _one("applications_received", "全年共收到{n}件政府信息公开申请，均已按时办结。"),
        _one("applications_received", "{y}年共收到{n}份政府信息公开申请。"),
        _one("applications_received", "本年度收到依申请公开政府信息申请{n}件。"),
        _one("applications_received", "本年度依申请公开政府信息申请总量为{n}件，比上年减少3件。"),
        _one("applications_received", "{y}年政府信息公开申请数量为{n}件。"),
        _one("applications_completed", "本年度已办结政府信息公开申请数量为{n}件。"),
        _one("reconsideration_total", "因政府信息公开被申请行政复议{n}起。"),
        _one("reconsideration_total", "全年收到政府信息公开行政复议申请{n}件。"),
        _one("litigation_total", "因政府信息公开被提起行政诉讼{n}宗。"),
        _one("reconsideration_total", "{y}年度针对本机关政府信息公开工作的行政复议案{n}件。", lo=0),
        _one("fee_amount", "本年度依申请公开收取的费用（检索费、邮寄费、复制费等）为{n}元。", lo=0),
        _one("applications_completed", "全年共完成政府信息依申请公开答复{n}件。"),
        _one("fee_amount", "全年共收取信息处理费{n}元。"),
        _thousands("fee_amount", "本年度收取信息处理费{n}元。"),
        _ten_thousands("applications_received", "本年度共收到政府信息公开申请{n}万件。"),
        _ten_thousands("applications_received", "全年受理依申请公开{n}万件，办结率100%。"),
        _one("applications_received", "本年度受理政府信息公开申请（含上年结转3件）共{n}件。"),
        _one("applications_received", "本年度，共接受政府信息公开申请{n}件，答复率100%。"),
        _one("applications_received", "本年度政府信息公开申请数为{n}。", lo=0),
        _one("fee_amount", "全年共收取信息处理费2笔，金额{n}元。"),
        _one("fee_amount", "本年度发出收费通知3件，总金额900元，实际收取{n}元。", lo=0),
        _one("fee_amount", "本年度依申请公开收费金额为{n}。", lo=0),
        _one("reconsideration_total", "政府信息公开行政复议数量{n}件。", lo=0),
        _one("litigation_total", "政府信息公开行政诉讼数量{n}件。", lo=0),
        _one("fee_amount", "全年依申请公开收费{n}元。", lo=0),
        _one("applications_received", "全年受理依申请公开事项{n}项，全部按期办结。"),
    ],
    "coordinated lists": [
        _pair("因政府信息公开被申请行政复议{a}件、被提起行政诉讼{b}件。", "reconsideration_total", "litigation_total"),
        _pair("政府信息公开行政诉讼案件{a}件、行政复议案件{b}件。", "litigation_total", "reconsideration_total"),
        _pair("全年收到政府信息公开申请{a}件，办结{b}件。", "applications_received", "applications_completed"),
        _pair("涉及政府信息公开的行政复议{a}起，行政诉讼{b}起。", "reconsideration_total", "litigation_total"),
        _shared("{y}年，政府信息公开行政复议、行政诉讼均为{n}件。"),
        # A negation ends at its own noun: the next noun's figure is its own.
        lambda rng: (
            f"全年无政府信息公开行政复议案件，行政诉讼案件{(n := rng.randint(1, 30))}件。",
            {"reconsideration_total": 0, "litigation_total": n},
        ),
        _pair("本年度政府信息公开行政复议数为{a}，行政诉讼数为{b}。", "reconsideration_total", "litigation_total"),
        _pair("政府信息公开行政复议：{a}件；行政诉讼：{b}件。", "reconsideration_total", "litigation_total"),
        _shared("因政府信息公开引起的行政复议和行政诉讼案件数都是{n}件。"),
        _both_zero("因政府信息公开引起的行政复议和行政诉讼案件数均为零。"),
    ],
    "foreign subjects": [
        _none("政务服务大厅全年受理行政许可事项{n}件，办结{m}件。"),
        _none("12345热线全年受理群众来电{n}件。"),
        _none("本机关办理各类行政复议案件{n}件。"),
        _none("全年收到网络问政留言{n}件，已全部答复。"),
        _none("上年结转政府信息公开申请{n}件。"),
        _none("其中，公开答复{n}件，不予公开{m}件。"),
        _none("上年结转政府信息公开申请数量为{n}件。"),
        # The agency as the reviewing organ: its cases and what it closed are not disclosure's.
        _none("我局全年受理行政复议申请{n}件，办结{m}件。"),
        # A count of every case, narrowed to disclosure's after 其中: the first number is not the fact.
        _none("全年行政复议案件{n}件，其中涉及政府信息公开的案件另行统计。"),
        _none("本年度行政诉讼案件{n}件，其中涉及依申请公开的已在上文说明。"),
    ],
    "parts, round figures and changes": [
        # A figure after 其中 is a part of the one before it, not the number completed.
        _one("applications_received", "全年受理依申请公开事项{n}件，其中当场答复8件。"),
        _one("applications_received", "本年度共收到政府信息公开申请{n}件，其中自然人申请5件。"),
        _pair(
            "共受理政府信息公开申请{a}件，其中自然人申请3件；共办理{b}件。",
            "applications_received",
            "applications_completed",
        ),
        _one("applications_received", "共受理政府信息公开申请{n}件，其中，当场答复3件，延期答复2件。"),
        _pair(
            "本机关共受理政府信息公开申请{a}件，其中，当面申请2件，网络申请1件，已答复{b}件。",
            "applications_received",
            "applications_completed",
        ),
        _none("全年收到政府信息公开申请{n}余件。"),
        _none("全年共收到政府信息公开申请约{n}件。"),
        _const("全年共收到信息公开申请近百件。", {}),
        _none("全年收到政府信息公开申请同比减少{n}件。"),
        _none("政府信息公开申请数量较上年增加了{n}件。"),
        _one("applications_received", "本年度收到政府信息公开申请数量有所增加，共{n}件。"),
        _none("按期答复率100%，全年共答复群众咨询{n}件。"),
        _none("全年减免信息处理费{n}元。"),
        _none("本年度发出信息处理费收费通知2件，涉及金额{n}元。"),
    ],
    "qualified negations": [
        _const("全年未发生因政府信息公开被行政复议纠错或行政诉讼败诉的情形。", {}),
        _const("本年度没有政府信息公开行政诉讼败诉案件。", {}),
        _const("未发生政府信息公开行政复议被纠正的情况。", {}),
    ],
}


def cases(per_template: int = 5, seed: int = 0) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for cls, templates in TEMPLATES.items():
        for make in templates:
            for _ in range(per_template):
                text, stated = make(rng)
                out.append(Case(cls, text, {f: stated.get(f) for f in FACTS}))
    return out
