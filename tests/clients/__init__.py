"""Third-party S3 clients (s3fs, AWS CLI) driven the way users drive them."""
