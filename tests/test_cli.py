"""The `xxgk` command as a user runs it: a separate process, real files, exit codes and messages."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import extractor
from tests.conftest import CORPUS
from tests.documents import blocks_of, to_docx, to_pdf

XXGK = [sys.executable, "-m", "extractor.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*XXGK, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("batch")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (d / "gbk.txt").write_bytes((CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt").read_text("utf-8").encode("gbk"))
    with (d / "huge.txt").open("wb") as f:
        f.write(b"x" * (50 * 1024 * 1024))
    (d / "no_tables.txt").write_text(
        "某县人民政府2020年政府信息公开工作年度报告\n一、总体情况\n全年无依申请公开。\n", "utf-8"
    )
    seed = blocks_of(CORPUS / "seeds" / "001_3c78160da86addac.txt")
    to_pdf(seed, d / "report.pdf")
    to_docx(seed, d / "report.docx")
    (d / "scan.pdf").write_bytes(_scanned_pdf())
    with zipfile.ZipFile(d / "archive.zip", "w") as z:
        z.writestr("a.txt", "not a report")
    return d


def _scanned_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 500, fill=1)
    c.save()
    return buf.getvalue()


def test_batch_with_bad_files_completes_and_names_each(bad_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    p = run("extract", str(bad_batch), "-o", str(out), "--flat")
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    errors = [line for line in p.stderr.splitlines() if line.startswith("xxgk: ") and ": " in line[6:]]
    for name in ("empty.txt", "huge.txt", "scan.pdf"):
        assert sum(name in line for line in errors) == 1, p.stderr
    assert "OCR" in next(line for line in errors if "scan.pdf" in line)
    # Files of other types in a folder are skipped and counted in one line, not read.
    (summary,) = [line for line in p.stderr.splitlines() if "skipped" in line]
    assert "skipped 2 file(s) that are not reports" in summary and "1 .zip" in summary and "1 .bin" in summary
    # Named on the command line, they are read, and each fails in one line.
    named = run("extract", str(bad_batch / "binary.bin"), str(bad_batch / "archive.zip"), "-o", str(out))
    assert named.returncode == 1 and "Traceback" not in named.stderr
    for name in ("binary.bin", "archive.zip"):
        assert sum(name in line for line in named.stderr.splitlines()) == 1, named.stderr
    p = run("extract", str(bad_batch), "-o", str(out), "--flat")  # the records checked below
    records = {Path(r["source"]).name: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert set(records) == {"gbk.txt", "no_tables.txt", "report.pdf", "report.docx"}
    for name in ("report.pdf", "report.docx"):
        assert records[name]["values"]["meta.organ"] == "鄂城区人民政府"
        assert records[name]["values"]["applications.new_received.total"] == 14
    gbk = records["gbk.txt"]["values"]
    assert gbk["meta.organ"] == "襄阳市行政审批局"
    assert gbk["applications.new_received.total"] == 14
    assert gbk["active.fees.amount"] == 0.59


def test_full_records_by_default_and_version() -> None:
    p = run("extract", str(CORPUS / "seeds" / "001_3c78160da86addac.txt"))
    assert p.returncode == 0
    record = json.loads(p.stdout)
    assert record["meta"]["organ"]["value"] == "鄂城区人民政府"
    assert record["applications"]["new_received"]["total"]["evidence"][0]["quote"] == "14"
    v = run("--version")
    assert v.returncode == 0 and "xxgk" in v.stdout
    assert f"(core {extractor.CORE_BUILD})" in v.stdout  # a bug report says which core ran


def test_user_errors_end_in_one_line_not_a_traceback(tmp_path: Path) -> None:
    p = run("extract", str(tmp_path / "nope.txt"))
    assert p.returncode != 0 and "Traceback" not in p.stderr and "nope.txt" in p.stderr
    p = run("eval", str(tmp_path))
    assert p.returncode != 0 and "Traceback" not in p.stderr and "gold" in p.stderr
    p = run("eval", str(tmp_path / "nowhere"))
    assert p.returncode != 0 and p.stderr.strip().count("\n") == 0 and "nowhere" in p.stderr
    (tmp_path / "a_file").write_text("x")
    p = run("extract", str(CORPUS / "seeds"), "-o", str(tmp_path / "a_file" / "out.jsonl"))
    assert p.returncode != 0 and "Traceback" not in p.stderr


def test_eval_prints_the_scores() -> None:
    p = run("eval", str(CORPUS / "seeds"))
    assert p.returncode == 0, p.stderr
    assert "accuracy" in p.stdout and "silent errors: 0" in p.stdout


def test_no_llm_runs_rules_only_even_when_a_model_is_configured(tmp_path: Path) -> None:
    env = {**os.environ, "XXGK_LLM_BASE_URL": "http://127.0.0.1:9/v1", "XXGK_LLM_MODEL": "local"}
    p = subprocess.run(
        [*XXGK, "extract", str(CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt"), "--no-llm"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode == 0 and "model path on" not in p.stderr
    assert json.loads(p.stdout)["usage"]["calls"] == 0


def test_an_unknown_llm_mode_is_one_clear_error() -> None:
    p = run("extract", str(CORPUS / "seeds"), "--llm-mode", "xml")
    assert p.returncode == 2 and "Traceback" not in p.stderr and "xml" in p.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("XXGK_LLM_MODE", "xml"), ("XXGK_LLM_TOKEN_BUDGET", "lots"), ("XXGK_LLM_CONCURRENCY", "0")],
    ids=["mode", "token_budget", "concurrency"],
)
def test_a_bad_model_setting_in_the_environment_is_one_clear_error(name: str, value: str) -> None:
    env = {**os.environ, "XXGK_LLM_BASE_URL": "http://127.0.0.1:9/v1", name: value}
    p = subprocess.run(
        [*XXGK, "extract", str(CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode != 0 and "Traceback" not in p.stderr and value in p.stderr.splitlines()[-1]


def test_a_glob_matching_nothing_is_named(tmp_path: Path) -> None:
    p = run("extract", str(tmp_path / "*.nothing"), "-o", str(tmp_path / "o.jsonl"))
    assert p.returncode == 1 and "*.nothing: no such file or directory" in p.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)), "not a JSON record"),
        (b"[1, 2]\n", "not an xxgk record"),
        (b'{"source": "a", "meta": 5}\n', "not a full xxgk record"),
    ],
)
def test_exporting_something_that_is_not_results_is_one_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    p = run("export", str(bad), "--to", "csv")
    assert p.returncode == 1 and message in p.stderr and "Traceback" not in p.stderr


def test_a_rules_only_run_does_not_import_the_model_client() -> None:
    code = "import sys; from extractor.cli import make_llm; make_llm(None, None, None, False, False); print('openai' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BASE_URL")}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert p.stdout.strip() == "False", p.stderr


def test_review_and_apply_reviews_user_errors_are_one_line(tmp_path: Path) -> None:
    flat = tmp_path / "flat.jsonl"
    assert run("extract", str(CORPUS / "seeds" / "000_33ae8ea1c32d037b.txt"), "--flat", "-o", str(flat)).returncode == 0
    (tmp_path / "junk.jsonl").write_text("junk\n")
    for args, words in [
        (("review", str(flat)), "full records"),
        (("review", str(tmp_path / "junk.jsonl")), "not a JSON record"),
        (("export", str(flat), "--to", "csv", "--apply-reviews"), "no review decisions"),
        (("export", str(flat), "--to", "csv", "--apply-reviews", "--reviews", str(flat)), "not a review database"),
        (("review", str(CORPUS / "real" / "README.md")), "not a JSON record"),
    ]:
        p = run(*args)
        assert p.returncode != 0 and "Traceback" not in p.stderr and words in p.stderr, p.stderr
        assert p.stderr.strip().count("\n") == 0, p.stderr


def test_review_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    results = tmp_path / "r.jsonl"
    assert run("extract", str(CORPUS / "seeds" / "000_33ae8ea1c32d037b.txt"), "-o", str(results)).returncode == 0
    with socket.create_server(("127.0.0.1", 0)) as busy:
        p = run("review", str(results), "--port", str(busy.getsockname()[1]))
    assert p.returncode != 0 and "cannot listen" in p.stderr and p.stderr.strip().count("\n") == 0, p.stderr
    assert "http://" not in p.stdout


def test_a_folder_gives_only_its_reports_and_counts_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    (folder / "page_files").mkdir(parents=True)
    (folder / ".cache").mkdir()
    for name in ("001_3c78160da86addac.txt", "003_11fc56b6ab2a71ee.txt"):
        (folder / name).write_bytes((CORPUS / "seeds" / name).read_bytes())
    (folder / "README.md").write_text("# Reports\n政府信息公开工作年度报告, collected.\n", "utf-8")
    (folder / "page_files" / "style.css").write_text("body{}", "utf-8")
    (folder / "page_files" / "main.js").write_text("var a = 1;", "utf-8")
    (folder / ".cache" / "x.txt").write_text("x", "utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n")
    out = folder / "results.jsonl"
    for _ in range(2):  # the second run finds its own output in the folder and leaves it alone
        p = run("extract", str(folder), "-o", str(out))
        assert p.returncode == 0, p.stderr
        sources = [Path(json.loads(line)["source"]).name for line in out.read_text("utf-8").splitlines()]
        assert sources == ["001_3c78160da86addac.txt", "003_11fc56b6ab2a71ee.txt"]  # input order
        (summary,) = [line for line in p.stderr.splitlines() if "skipped" in line]
        assert "2 in a saved page's asset folder" in summary and "1 hidden" in summary and ".png" in summary
        assert not (folder / "results.errors.jsonl").exists()  # no errors, no empty side file


def test_a_url_is_refused_in_one_line(tmp_path: Path) -> None:
    p = run("extract", "https://www.example.gov.cn/2022.html", "-o", str(tmp_path / "out.jsonl"))
    assert p.returncode == 1 and "not fetched (xxgk works offline)" in p.stderr and "Traceback" not in p.stderr


def test_eval_json_gives_every_metric() -> None:
    p = run("eval", str(CORPUS / "seeds"), "--json")
    assert p.returncode == 0, p.stderr
    scores = json.loads(p.stdout)
    assert scores["all"]["judged"] > 0 and scores["all"]["silent"] == 0
    assert {"accuracy", "review_load", "false_certain"} <= scores["all"].keys()
    assert len(scores["reports"]) == len(list((CORPUS / "seeds").glob("*.gold.json")))


def test_standard_input_is_one_report() -> None:
    text = (CORPUS / "seeds" / "001_3c78160da86addac.txt").read_bytes()
    p = subprocess.run([*XXGK, "extract", "-", "--flat"], input=text, capture_output=True)
    assert p.returncode == 0, p.stderr
    record = json.loads(p.stdout)
    assert record["source"] == "<stdin>" and record["values"]["applications.new_received.total"] == 14
    empty = subprocess.run([*XXGK, "extract", "-"], input="", capture_output=True, text=True)
    assert empty.returncode == 1 and "<stdin>: empty file" in empty.stderr


def test_help_is_whole_and_every_command_has_an_example() -> None:
    commands = run("--help").stdout.split("Commands:")[1].splitlines()
    assert commands and not any(line.endswith("...") for line in commands)  # no help cut mid-sentence
    for command in ("extract", "eval", "export", "review", "serve-local"):
        text = run(command, "--help").stdout
        assert "Example" in text and f"xxgk {command}" in text, command
        output = [line for line in text.splitlines() if "--output" in line]
        assert all("FILE" in line for line in output), (command, output)
