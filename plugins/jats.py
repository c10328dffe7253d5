"""Built-in plugin jats: being written (see the issue tracker)."""
