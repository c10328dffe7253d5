"""Built-in plugin html_report: being written (see the issue tracker)."""
