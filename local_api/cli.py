"""``kioskd``: start the local daemon. A bad setting stops it with one line and exit code 2."""

from __future__ import annotations

import argparse
import os
import sys

from common import sdnotify, umask
from local_api.devices import check_device_settings
from local_api.settings import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_STARTUP = 3  # uvicorn's STARTUP_FAILURE


def main(argv: list[str] | None = None) -> int:
    umask.private()
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
    # uvicorn.Server rather than uvicorn.run: only Config takes the notify callback systemd needs.
    server = uvicorn.Server(uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # our JSON logging, configured by create_app
        access_log=False,
        timeout_graceful_shutdown=10,
        ws_ping_interval=20,
        **_systemd_hooks(settings),
    ))
    server.run()
    return 0 if server.started else EXIT_STARTUP  # as uvicorn.run: never served is a failed start


def _systemd_hooks(settings: Settings) -> dict[str, object]:
    """Under systemd (Type=notify, WatchdogSec=): READY=1 once serving, then WATCHDOG=1 while alive.

    uvicorn calls ``callback_notify`` from its serving loop on the event loop, and only once the
    port is bound: the first call means kioskd answers, and a loop that hangs stops the pings, so
    systemd's watchdog restarts a kioskd that is stuck, not only one that died.
    """
    if not os.environ.get("NOTIFY_SOCKET"):
        return {}
    watchdog = sdnotify.watchdog_seconds()
    ready = False

    async def tell_systemd() -> None:
        nonlocal ready
        if not ready:
            ready = True
            sdnotify.notify("READY=1", f"STATUS=serving on {settings.api_host}:{settings.api_port}")
        if watchdog:
            sdnotify.notify("WATCHDOG=1")

    # uvicorn looks at the clock once a second and calls back when more than timeout_notify has
    # passed; a third of WatchdogSec keeps two pings within it despite that second.
    return {"callback_notify": tell_systemd, "timeout_notify": watchdog / 3 if watchdog else 3600}


if __name__ == "__main__":
    sys.exit(main())
