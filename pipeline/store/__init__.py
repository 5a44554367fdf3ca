"""The output directory: schemas, tables, the previous run, all-or-nothing commits."""
