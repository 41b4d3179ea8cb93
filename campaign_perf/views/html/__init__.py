"""The shared HTML report: one self-contained file, interactive without Python."""
