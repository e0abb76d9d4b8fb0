"""How the processes read their settings: environment variables and a TOML file, one loader."""
