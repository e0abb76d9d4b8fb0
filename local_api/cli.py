"""``kioskd``: start the local daemon. A bad setting stops it with one line and exit code 2."""

from __future__ import annotations

import argparse
import sys

from local_api.devices import check_device_settings
from local_api.settings import ConfigError, load_settings

EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kioskd", description="Local daemon of the self-service kiosk (settings: KIOSK_* or KIOSK_CONFIG)"
    )
    parser.add_argument("--check-config", action="store_true", help="validate the settings and exit")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        check_device_settings(settings)
    except ConfigError as exc:
        sys.stderr.write(f"kioskd: {exc}\n")
        return EXIT_CONFIG
    if args.check_config:
        sys.stdout.write("kioskd: settings are valid\n")
        return 0

    import uvicorn

    from local_api.main import create_app

    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # our JSON logging, configured by create_app
        access_log=False,
        timeout_graceful_shutdown=10,
        ws_ping_interval=20,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
