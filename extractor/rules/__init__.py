"""The deterministic reading (the compiled core): sections, cells, tables, prose, metadata, reconciliation, assembly."""
