"""Built-in plugin text_report: being written (see the issue tracker)."""
