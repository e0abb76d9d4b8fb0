"""Pure rules every part of the project shares (kiosk, daemon, drivers, flows, hub); standard library only."""
