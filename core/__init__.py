"""The shared domain: what the write side (`etl/`) and the read side (`queries/`) both stand on.

Policy presets and their model, the event vocabulary, the working calendar, the warehouse's schema and
connections, and the SQL macros every connection installs. Nothing here imports another package of ours.
"""
