from extractor.core.schema import APPLICANT_COLUMNS, DISPUTE_PARTS, Value, identities
from extractor.rules.reconcile import reconcile

G = "disputes.reconsideration"


def disputes(**cells: int | None) -> dict[str, Value]:
    values = {}
    for p in (*DISPUTE_PARTS, "total"):
        v = cells.get(p, "blank")
        values[f"{G}.{p}"] = Value(value=None, status="blank") if v == "blank" else Value(value=v, status="parsed")
    return values


def run(values: dict[str, Value], sound: bool = True):
    return reconcile(values, "2021", ["disputes"], dict.fromkeys(values, sound))


def test_a_single_blank_is_forced() -> None:
    values = disputes(upheld=2, corrected=0, other=1, total=5)
    run(values)
    v = values[f"{G}.pending"]
    assert v.value == 2 and v.status == "derived" and "R4" in (v.note or "")
    assert not v.review


def test_balanced_identity_forces_blanks_to_zero() -> None:
    values = disputes(upheld=5, pending=2, total=7)
    run(values)
    assert values[f"{G}.corrected"].value == 0 and values[f"{G}.other"].value == 0


def test_ambiguous_blanks_stay_null_and_go_to_review() -> None:
    values = disputes(upheld=1, total=3)
    checks = run(values)
    for p in ("corrected", "other", "pending"):
        assert values[f"{G}.{p}"].value is None
        assert values[f"{G}.{p}"].review
    assert any(c.rule == "R4[reconsideration]" and c.outcome == "NOT_ASSESSABLE" for c in checks)


def test_printed_inconsistency_is_kept_and_flagged() -> None:
    values = disputes(upheld=1, corrected=1, other=0, pending=0, total=5)
    checks = run(values)
    assert any(c.rule == "R4[reconsideration]" and c.outcome == "FAIL" for c in checks)
    assert values[f"{G}.total"].value == 5
    assert values[f"{G}.total"].status == "source_inconsistent"
    assert values[f"{G}.total"].confidence <= 0.5


def test_inconsistency_from_an_unsure_parse_is_review_not_source_error() -> None:
    values = disputes(upheld=1, corrected=1, other=0, pending=0, total=5)
    run(values, sound=False)
    assert values[f"{G}.total"].status == "review"


def test_infeasible_blank_is_never_filled_with_a_negative() -> None:
    values = disputes(upheld=4, corrected=3, other=0, total=5)
    checks = run(values)
    assert values[f"{G}.pending"].value is None
    assert any(c.outcome == "FAIL" for c in checks)


def test_prose_total_settles_a_blank_group_but_only_for_review() -> None:
    values: dict[str, Value] = {}
    for g, cells in (("litigation_direct", (8, None, None, 1, 9)), ("litigation_after_reconsideration", (None,) * 5)):
        for p, v in zip((*DISPUTE_PARTS, "total"), cells, strict=True):
            values[f"disputes.{g}.{p}"] = Value(value=v, status="parsed" if v is not None else "blank")
    values["narrative.litigation_total"] = Value(value=9, status="parsed", source="sentence")
    reconcile(values, "2019", ["disputes"], dict.fromkeys(values, True))
    after = values["disputes.litigation_after_reconsideration.total"]
    assert after.value == 0 and after.status == "derived" and after.review
    assert values["disputes.litigation_after_reconsideration.upheld"].value == 0
    assert values["disputes.litigation_direct.corrected"].value == 0


def test_applicant_columns_chain_through_r1_r2_r3() -> None:
    a = "applications"
    values: dict[str, Value] = {}
    rows = {"new_received": 3, "carried_over": 0, "granted": 2, "processed_total": 2, "carried_forward": 1}
    for row, n in rows.items():
        for col in APPLICANT_COLUMNS:
            v = n if col in ("natural_person", "total") else 0
            values[f"{a}.{row}.{col}"] = Value(value=v, status="parsed")
    values[f"{a}.carried_forward.total"] = Value(value=None, status="blank")
    reconcile(values, "2019", ["applications"], dict.fromkeys(values, True))
    assert values[f"{a}.carried_forward.total"].value == 1
    # Result rows the table never printed are forced to 0 by R2.
    assert values[f"{a}.denied_state_secret.natural_person"].value == 0


# ---------------------------------------------------------------- R5, model-only values, confidence tiers
def table_cell(value: int | float | None, status: str = "parsed") -> Value:
    return Value(value=value, status=status, source="table_cell")


def test_r5_flags_a_negative_or_fractional_count_but_not_a_signed_change() -> None:
    values = disputes(upheld=-1, corrected=1, other=0, pending=0, total=0)
    values["active.licensing.change"] = table_cell(-8)  # 本年增/减 is signed
    values["active.fees.amount"] = table_cell(0.59)  # money may be decimal
    values["active.licensing.decisions"] = table_cell(2.5)  # a count may not
    reconcile(values, "2019", ["disputes", "active"], dict.fromkeys(values, True))
    assert any("R5" in r for r in values[f"{G}.upheld"].review)
    assert any("R5" in r for r in values["active.licensing.decisions"].review)
    assert not any("R5" in r for r in values["active.licensing.change"].review)
    assert not any("R5" in r for r in values["active.fees.amount"].review)


def test_a_value_only_the_model_found_goes_to_review_unless_a_table_confirms_it() -> None:
    alone = {"narrative.reconsideration_total": Value(value=3, status="parsed", source="model")}
    reconcile(alone, "2021", [], {})
    assert any("model only" in r for r in alone["narrative.reconsideration_total"].review)
    confirmed = disputes(upheld=1, corrected=1, other=1, pending=0, total=3)
    confirmed["narrative.reconsideration_total"] = Value(value=3, status="parsed", source="model")
    run(confirmed)
    assert confirmed["narrative.reconsideration_total"].review == []


def test_confidence_tiers_order_the_evidence() -> None:
    """The tiers the README promises: 0.995 for a clean cell an identity confirms, 0.98 for a value the
    identities force, <= 0.6 for anything in review, 0.5 for a value that breaks an identity."""

    def printed(**cells: int) -> dict[str, Value]:
        values = disputes(**cells)
        for v in values.values():
            v.source = "table_cell"
        return values

    clean = printed(upheld=2, corrected=0, other=1, pending=2, total=5)
    run(clean)
    forced = printed(upheld=2, corrected=0, other=1, total=5)
    run(forced)
    unsure = printed(upheld=2, corrected=0, other=1, pending=2, total=5)
    run(unsure, sound=False)
    broken = printed(upheld=1, corrected=1, other=0, pending=0, total=5)
    run(broken)
    assert clean[f"{G}.total"].confidence == 0.995
    assert forced[f"{G}.pending"].confidence == 0.98
    assert unsure[f"{G}.total"].confidence < forced[f"{G}.pending"].confidence
    assert broken[f"{G}.total"].confidence == 0.5
    open_ = printed(upheld=1, total=3)
    run(open_)
    doubted = printed(upheld=2, corrected=0, other=1, pending=2, total=5)
    doubted[f"{G}.upheld"].review.append("row has no label; placed by the official row order")
    doubted["narrative.reconsideration_total"] = Value(value=4, status="parsed", source="sentence", confidence=0.9)
    run(doubted, sound=False)
    assert doubted[f"{G}.upheld"].value == 2 and doubted[f"{G}.upheld"].confidence <= 0.6
    assert doubted["narrative.reconsideration_total"].review  # R7: the prose says 4, the table 5
    for values in (clean, forced, unsure, broken, open_, doubted):
        for v in values.values():
            assert not v.review or v.confidence <= 0.6, v


def test_a_restored_layout_trusts_only_cells_an_identity_across_rows_places() -> None:
    from extractor.rules.reconcile import RESTORED_DOUBT

    values = disputes(upheld=2, corrected=0, other=1, pending=2, total=5)
    for v in values.values():
        v.source = "table_cell"
    values["active.regulations.issued"] = table_cell(6)  # 表二: no identity can place it
    reconcile(values, "2021", ["disputes"], dict.fromkeys(values, True), restored_layout=True)
    assert values[f"{G}.total"].review == []  # R4 holds: the five cells stand where the row says
    assert RESTORED_DOUBT in values["active.regulations.issued"].review
    assert values["active.regulations.issued"].confidence <= 0.6


def test_an_identity_made_to_hold_by_a_cell_derived_from_it_places_nothing() -> None:
    from extractor.rules.reconcile import RESTORED_DOUBT

    values = disputes(upheld=2, corrected=0, other=1, total=5)  # pending blank: R4 forces it
    for v in values.values():
        v.source = "table_cell"
    reconcile(values, "2021", ["disputes"], dict.fromkeys(values, True), restored_layout=True)
    assert values[f"{G}.pending"].status == "derived"
    assert RESTORED_DOUBT in values[f"{G}.upheld"].review  # R4 holds only because pending was made to fit


def test_a_prose_total_never_confirms_the_cells_it_filled() -> None:
    """表四's 行政复议 group printed blank, the prose says 3: the cells are filled from the prose (R7) and
    so cannot confirm it. The prose value stays in review; confirmed by a printed cell, it does not."""
    values = disputes()  # every cell blank
    values["narrative.reconsideration_total"] = Value(value=3, status="parsed", source="sentence", confidence=0.9)
    run(values)
    total = values[f"{G}.total"]
    assert total.value == 3 and total.status == "derived" and total.review  # filled from the prose
    prose = values["narrative.reconsideration_total"]
    assert any("filled from this same prose" in r for r in prose.review) and prose.confidence < 0.9

    printed = disputes(upheld=1, corrected=1, other=0, pending=1, total=3)
    printed["narrative.reconsideration_total"] = Value(value=3, status="parsed", source="sentence", confidence=0.9)
    run(printed)
    assert not printed["narrative.reconsideration_total"].review
    assert printed["narrative.reconsideration_total"].confidence > 0.9


# ---------------------------------------------------------------- derived values inherit their inputs' doubt
def test_a_value_forced_from_a_cell_in_review_goes_to_review() -> None:
    """A scan read 0 as 1 in 维持 (OCR doubt): the blank 尚未审结 forced by R4 from it carries the error."""
    from extractor.rules.reconcile import doubt_derived

    values = disputes(upheld=1, corrected=0, other=1, total=5)
    run(values)
    values[f"{G}.upheld"].review.append("read by OCR with confidence 0.41, and no identity confirms it")
    doubt_derived(values, "2021")
    pending = values[f"{G}.pending"]
    assert pending.value == 3 and pending.status == "derived"
    assert any(f"{G}.upheld" in r for r in pending.review) and pending.confidence <= 0.6

    clean = disputes(upheld=1, corrected=0, other=1, total=5)
    run(clean)
    doubt_derived(clean, "2021")
    assert not clean[f"{G}.pending"].review


def test_a_forced_value_another_identity_confirms_stays_certain() -> None:
    """其他处理's total forced by R2.6 from a row whose label was a loose match (in review) is still
    confirmed by R2, whose other cells were all printed and are in no doubt: the group's sum does not
    depend on which of its rows is which."""
    from extractor.rules.reconcile import doubt_derived

    a = "applications"
    values: dict[str, Value] = {}
    rows = {"new_received": 5, "carried_over": 0, "granted": 2, "processed_total": 5, "carried_forward": 0}
    rows |= {"other_overdue_correction": 1, "other_unpaid_fee": 0, "other_other": 2}
    r2 = next(r for r in identities("2021") if r.id == "R2[total]")
    result_rows = [c.split(".")[1] for c in r2.rhs]
    rows = dict.fromkeys(result_rows, 0) | rows  # every row printed, most of them 0
    for row, n in rows.items():
        for col in APPLICANT_COLUMNS:
            values[f"{a}.{row}.{col}"] = Value(value=n if col in ("natural_person", "total") else 0, status="parsed")
    for col in APPLICANT_COLUMNS:
        values[f"{a}.other_total.{col}"] = Value(value=None, status="blank")
    reconcile(values, "2021", ["applications"], dict.fromkeys(values, True))
    values[f"{a}.other_overdue_correction.natural_person"].review.append("row label matched only loosely")
    doubt_derived(values, "2021")
    forced = values[f"{a}.other_total.natural_person"]
    assert forced.value == 3 and forced.status == "derived" and not forced.review

    values[f"{a}.granted.natural_person"].review.append("read by OCR with confidence 0.41")  # R2 in doubt too
    doubt_derived(values, "2021")
    assert forced.review
