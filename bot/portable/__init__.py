"""Glossary data in and out of the YAML files, for the maintainers' command line.

- ``importer``: a spreadsheet (CSV, TSV) or JSON export becomes glossary YAML that ``check``
  accepts, every bad row reported as ``FILE:row: message``;
- ``exporter``: the glossary as CSV, JSON, Markdown or HTML, whole or partner-safe;
- ``maintainers``: the store's misses and suggestions, listed or as ready-to-paste YAML;
- ``yaml_out``: the one writer of readable glossary YAML the three share;
- ``commands``: the argparse side, registered by ``bot.__main__``.

Git stays the source of truth: these commands print or write files for a person to review and
commit; nothing here edits the glossary in place.
"""
