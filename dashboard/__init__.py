"""The Streamlit dashboard over the warehouse.

Pages (`dashboard/views/*.py`) only lay out what `dashboard.data` fetches by query name and what
`dashboard.charts` draws; no SQL and no Great Expectations here, so every number on screen is defined
once, in `queries/`.
"""
