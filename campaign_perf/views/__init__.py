"""Views of a report: tables, charts, the email preview, file exports, the notebook
dashboard and the shared HTML report. A view takes what the report core gives it."""
