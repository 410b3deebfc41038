"""The record stage: models filled from field id -> Value, and the cells a read table leaves unread."""

from extractor import extract
from extractor.core.schema import ApplicationRow, Applications, Report, Value
from extractor.rules.record import assemble, build
from tests.conftest import CORPUS


def test_a_row_takes_its_values_by_field_id_and_an_empty_value_elsewhere() -> None:
    printed = Value(7, "parsed", "table_cell")
    row = build(ApplicationRow, {"applications.granted.total": printed, "applications.denied.total": Value(1)},
                "applications.granted.")  # fmt: skip
    assert row.total is printed
    assert row.natural_person.value is None and row.natural_person.status == "missing"
    assert row.natural_person is not row.commercial  # each empty field is its own Value


def test_optional_rows_are_built_only_when_asked_for() -> None:
    assert build(Applications, {}, "applications.").other_other is None  # 2019: no 其他处理 rows
    other = build(Applications, {}, "applications.", optional=True).other_other  # 2021
    assert other is not None and other.total.status == "missing"


def test_cells_a_read_table_does_not_print_go_to_review() -> None:
    values = {"applications.new_received.total": Value(3, "parsed", "table_cell")}
    report = Report(source="x", content_hash="", extractor_version="")
    assemble(report, values, "2019", ["applications"])
    missing = report.get("applications.granted.total")
    assert missing is not None and missing.confidence == 0.0
    assert missing.review == ["table cell not found in the report"]
    assert "applications.granted.total" in report.review
    assert "applications.new_received.total" not in report.review


def test_fast_built_report_validates_and_serialises_like_a_validated_one() -> None:
    report = extract(CORPUS / "real" / "sh_kewei_2024.md")
    dumped = report.model_dump(mode="json")
    again = Report.model_validate(dumped)
    assert again.model_dump(mode="json") == dumped
    assert again.flat() == report.flat()


def test_a_printed_block_of_table_two_left_unread_is_in_review_and_an_absent_one_is_not() -> None:
    from extractor import extract
    from tests.conftest import CORPUS

    text = (CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt").read_text("utf-8")
    assert "\n0.59\n" in text  # 第二十条第(八)项: 行政事业性收费 0.59
    report = extract(text=text.replace("\n0.59\n", "\n见附件\n"), name="r.txt")
    fees = report.get("active.fees.amount")
    assert fees.value is None and "active.fees.amount" in report.review  # printed, not read: never silent
    # 行政处罚 only in the prose ("实施行政处罚149.8万元"), no 第二十条第(六)项: the block is not printed.
    other = extract(CORPUS / "seeds" / "001_3c78160da86addac.txt")
    assert "active.punishment.decisions" not in other.review
