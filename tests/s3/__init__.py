"""S3 conformance tests: the behaviour that defines done for the core server."""
