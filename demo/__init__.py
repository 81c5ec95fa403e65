"""Demo data: synthetic moderation logs for the dashboard, the tests and the benchmark.

`demo.generate.generate_log` makes a log (simulated by `demo.simulate` on `demo.calendar`'s working days,
from the texts and shares in `demo.corpora`, rendered by `demo.table`, optionally broken by
`demo.corrupt`); `demo.write.write_log` writes it as CSV, JSONL or Parquet. Imports only `core`.
"""
