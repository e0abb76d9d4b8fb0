"""Device drivers: pure protocol code, devices over transports, and a simulator per kind."""
