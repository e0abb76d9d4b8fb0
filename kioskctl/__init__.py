"""kioskctl: the technician and developer command line."""
