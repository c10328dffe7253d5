"""Built-in plugin structure: being written (see the issue tracker)."""
