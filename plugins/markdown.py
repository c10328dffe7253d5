"""Built-in plugin markdown: being written (see the issue tracker)."""
