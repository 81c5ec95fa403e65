"""Column mappings: a team's own spreadsheet, or a tool's inbox export, read as canonical events.

Comms teams keep one wide row per incident in their own words, and their tools export one row per
message. A mapping file (TOML, presets in `etl/mappings/`) says where each canonical field comes from,
which of the team's words mean which code, how the sheet writes times, and how one row becomes several
events. The result is an `etl.sources.FrameSource`, so mapped rows take exactly the loader's validated,
quarantined, transactional path. Only the loader cannot know a team's words: a value no map covers is
found here and travels as a row-level `_reasons` line that suggests the word meant, and the organisation
may choose what it means (`choices`, kept in the warehouse) for later loads.

The modules, in the order a file goes through them:

- `schema`: what a mapping file may say; finding, reading and validating one.
- `sheets`: a .csv or .xlsx file as a `Sheet` of raw cells keyed by sheet row.
- `cells`: raw cells as the text a person sees, and as times with their offset.
- `values`: the team's words as codes, through the built-in words and the mapping's own.
- `choices`: the organisation's own meanings for its words, kept in the warehouse, laid over the mapping's.
- `suggest`: "did you mean …?", the known word closest to one no map covers.
- `expand`: each sheet row as the canonical events it records, with the reasons it cannot load.
- `read`: `read_mapped`, a file through its mapping as a source for the loader.
- `check`: `map_check`, the same path as a dry run that reports what needs fixing.
- `template`: the workbook a team can start logging in, derived from the shipped mapping.
"""
