"""Input and output: reading documents and gold in every format, results, tables, exports, the report."""
