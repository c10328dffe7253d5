"""Built-in plugin registry: being written (see the issue tracker)."""
