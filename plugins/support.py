"""Built-in plugin support: being written."""
