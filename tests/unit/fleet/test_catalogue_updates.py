"""kioskd takes a new signed catalogue between citizens, keeps the previous, and falls back by itself."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from flows.loader import DEFINITIONS_DIR
from hub.catalogue_bundles import bundle_path, public_key_text, publish
from local_api.catalogue_updates import CatalogueUpdater, at_start, confirm_started, load_state
from local_api.errors import HubUnreachable, SessionBusy

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
BROKEN = "code: broken_item\nname: 坏的事项\nsteps: [\n"


class Hub:
    """The hub's two catalogue routes over a real hub data dir; ``down`` makes the download fail."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.down = False

    def catalogue_latest(self):
        versions = sorted(p.stem for p in (self.data_dir / "catalogues" / "yc-hall").glob("*.tar"))
        return {"version": int(versions[-1]) if versions else None}

    def catalogue_bundle(self, version):
        if self.down:
            raise HubUnreachable("RemoteProtocolError: peer closed connection without sending complete message")
        return bundle_path(self.data_dir, "yc-hall", version).read_bytes()


@pytest.fixture
def setup(tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    shutil.copy(DEFINITIONS_DIR / "case_progress_query.yaml", hall)
    hub_dir, kiosk_dir = tmp_path / "hub", tmp_path / "kiosk"
    kiosk_dir.mkdir()
    switched: list[int] = []
    busy = {"now": False}

    def switch(version, folder):
        if busy["now"]:
            raise SessionBusy("s1")
        assert version == 0 or (folder / "case_progress_query.yaml").exists()
        switched.append(version)

    publish(hub_dir, "yc-hall", hall, NOW)
    hub = Hub(hub_dir)
    updater = CatalogueUpdater(data_dir=kiosk_dir, key_text=public_key_text(hub_dir), site=lambda: "yc-hall",
                               client=hub, switch=switch)
    return hall, hub, updater, kiosk_dir, switched, busy


def test_a_new_version_waits_for_the_citizen_then_switches_and_keeps_the_previous(setup):
    hall, hub, updater, kiosk_dir, switched, busy = setup
    busy["now"] = True
    assert updater.update() == "waiting for the citizen" and load_state(kiosk_dir).running is None
    busy["now"] = False
    assert updater.update() == "switched" and switched == [1]
    publish(hub.data_dir, "yc-hall", hall, NOW)
    assert updater.update() == "switched"
    state = load_state(kiosk_dir)
    assert (state.running, state.previous, state.trial, state.problem) == (2, 1, False, "")
    assert sorted(p.name for p in (kiosk_dir / "catalogues").iterdir()) == ["1", "2"]
    assert updater.update() == "up to date"


def test_a_broken_item_or_the_hub_gone_mid_download_leaves_the_running_version(setup):
    hall, hub, updater, kiosk_dir, switched, _busy = setup
    assert updater.update() == "switched"
    hub.down = True
    publish(hub.data_dir, "yc-hall", hall, NOW)
    assert updater.update() == "download failed" and load_state(kiosk_dir).running == 1
    hub.down = False
    (hall / "broken_item.yaml").write_text(BROKEN, encoding="utf-8")
    publish(hub.data_dir, "yc-hall", hall, NOW)  # version 3: one broken item
    assert updater.update() == "refused"
    state = load_state(kiosk_dir)
    assert state.running == 1 and "version 3 refused" in state.problem and "item problem" in state.problem
    assert switched == [1] and updater.update() == "up to date"  # not fetched again


def test_a_kioskd_that_does_not_get_to_serve_with_a_version_comes_back_on_the_previous(setup):
    hall, hub, updater, kiosk_dir, _switched, _busy = setup
    updater.update()
    publish(hub.data_dir, "yc-hall", hall, NOW)
    updater.update()
    assert at_start(kiosk_dir).running == 2  # a start: version 2 on trial until serving
    confirm_started(kiosk_dir)
    assert at_start(kiosk_dir).running == 2  # it served: the next start tries it again
    state = at_start(kiosk_dir)  # ... and this start never got to serving (killed, or failed to start)
    assert (state.running, state.refused) == (1, 2) and "did not start with version 2" in state.problem
    assert updater.update() == "up to date"  # the failed version is not taken again
