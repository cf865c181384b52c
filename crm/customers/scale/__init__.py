"""`crm demo --scale S|M|L`: a large, deterministic, realistic data set loaded in bulk.

plan (sizes, ratios, roster) → rows/children (drawn per chunk in worker processes) →
load (global uniqueness, numbers, the loop) → backends (SQLite executemany / PostgreSQL
COPY, indexes after) → verify (the app's own validation on a sample) → report.
"""
