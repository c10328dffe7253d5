"""Built-in plugin docx_report: being written (see the issue tracker)."""
