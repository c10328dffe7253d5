"""Built-in plugin library: being written (see the issue tracker)."""
