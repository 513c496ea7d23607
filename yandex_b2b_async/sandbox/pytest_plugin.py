"""pytest plugin: fixtures that start the sandbox (work in progress)."""
