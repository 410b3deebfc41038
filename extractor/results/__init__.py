"""Many reports: batch runs, cross-year checks, exports and scoring against gold."""
