"""Built-in plugin docx: being written (see the issue tracker)."""
