from extractor.core.schema import APPLICANT_COLUMNS, DISPUTE_PARTS, Value
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
