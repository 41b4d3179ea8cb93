"""The report core: settings, frames, filters, groups, rows and statistics; no views."""
