"""xxgk-extractor: typed, verified records from 政府信息公开工作年度报告.

from extractor import extract
report = extract("report.html")          # or extract(text, name="report.txt")
report.flat()                            # the flat record, keyed by field ids
to_dataframe([report])                   # pandas, one row per report (needs the `export` extra)
"""

__version__ = "0.1.0"

from extractor.compiled import use_compiled

CORE_BUILD = use_compiled()  # before any core module is imported: compiled, or from source

from extractor.core.schema import Report, Value  # noqa: E402
from extractor.library import extract, extract_text  # noqa: E402
from extractor.read.load import InputError  # noqa: E402
from extractor.results.export import to_dataframe  # noqa: E402

__all__ = ["InputError", "Report", "Value", "__version__", "extract", "extract_text", "to_dataframe"]
