"""kioskd's (and the UI's) settings: one line naming the variable and what would be right, for every refusal."""

from __future__ import annotations

import pytest

from local_api.devices import check_device_settings
from local_api.settings import ConfigError, load_settings


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as err:
        check_device_settings(load_settings(env))
    line = str(err.value)
    assert "\n" not in line
    return line


@pytest.mark.parametrize(
    ("env", "starts", "says"),
    [
        # a name that is no setting: the closest known one
        ({"KIOSK_HUB_ULR": "https://hub.example.gov.cn"}, "KIOSK_HUB_ULR:", "did you mean KIOSK_HUB_URL?"),
        ({"KIOSK_PRINTR": "sim:"}, "KIOSK_PRINTR:", "did you mean KIOSK_PRINTER?"),
        ({"KIOSK_LANGUAGE": "bo_CN"}, "KIOSK_LANGUAGE:", "did you mean KIOSK_LANGUAGES?"),
        ({"KIOSK_WHATEVER": "1"}, "KIOSK_WHATEVER:", "KIOSK_HUB_URL"),  # nothing close: the list
        # the hub's address
        ({"KIOSK_HUB_URL": "intake.example.gov.cn"}, "KIOSK_HUB_URL:", "write https://intake.example.gov.cn"),
        ({"KIOSK_HUB_URL": "https://intake.example.gov.cn/api/v1"}, "KIOSK_HUB_URL:", "drop /api/v1"),
        ({"KIOSK_HUB_URL": "https://intake.example.gov.cn/api/v1/"}, "KIOSK_HUB_URL:", "drop /api/v1"),
        ({"KIOSK_HUB_URL": "https://intake.example.gov.cn/hub"}, "KIOSK_HUB_URL:", "without a path"),
        ({"KIOSK_HUB_URL": "http://intake.example.gov.cn"}, "KIOSK_HUB_URL:", "use https://intake.example.gov.cn"),
        ({"KIOSK_HUB_URL": "http://10.0.0.5:8780"}, "KIOSK_HUB_URL:", "use https://10.0.0.5:8780"),
        ({"KIOSK_HUB_URL": "https://hub.example.gov.cn:port"}, "KIOSK_HUB_URL:", "port that is not a number"),
        # devices, read by the drivers' own URI parsing
        ({"KIOSK_PRINTER": "usb://0416"}, "KIOSK_PRINTER:", "usb://VID:PID"),
        ({"KIOSK_PRINTER": "lpt://1"}, "KIOSK_PRINTER:", "use one of"),
        ({"KIOSK_ID_READER": "usb://0400"}, "KIOSK_ID_READER:", "VID:PID"),
        ({"KIOSK_CAMERA": "uvc://front"}, "KIOSK_CAMERA:", "device index"),
        # what the UI would refuse
        ({"KIOSK_TECHNICIAN_PIN": "12ab"}, "KIOSK_TECHNICIAN_PIN:", "4 to 12 digits only"),
        ({"KIOSK_TECHNICIAN_PIN": "12"}, "KIOSK_TECHNICIAN_PIN:", "4 to 12 digits only"),
        ({"KIOSK_TECHNICIAN_PIN": "1234567890123"}, "KIOSK_TECHNICIAN_PIN:", "4 to 12 digits only"),
        ({"KIOSK_TECHNICIAN_PIN": "１２３４"}, "KIOSK_TECHNICIAN_PIN:", "digits only"),  # full-width: not on the keypad
        ({"KIOSK_LANGUAGES": "zh_CN,kk_CN"}, "KIOSK_LANGUAGES:", "use some of zh_CN, bo_CN, ug_CN, mn_CN"),
        ({"KIOSK_UI_LANGUAGE": "en_US"}, "KIOSK_UI_LANGUAGE:", "one of zh_CN, bo_CN, ug_CN"),
        ({"KIOSK_UI_LANGUAGE": "bo_CN"}, "KIOSK_UI_LANGUAGE:", "add it to KIOSK_LANGUAGES"),
        # types: the allowed values, not pydantic's words
        ({"KIOSK_API_PORT": "abc"}, "KIOSK_API_PORT:", "a whole number from 1 to 65535"),
        ({"KIOSK_API_PORT": "70000"}, "KIOSK_API_PORT:", "a whole number from 1 to 65535"),
        ({"KIOSK_DEVICE_POLL_S": "0"}, "KIOSK_DEVICE_POLL_S:", "a number above 0 and at most 10"),
        ({"KIOSK_LOG_LEVEL": "LOUD"}, "KIOSK_LOG_LEVEL:", "one of DEBUG, INFO, WARNING, ERROR"),
        ({"KIOSK_DEVICES": "fake"}, "KIOSK_DEVICES:", "one of sim, real"),
        ({"KIOSK_QUEUE_LOCAL_PREFIX": "zz"}, "KIOSK_QUEUE_LOCAL_PREFIX:", "one capital letter"),
        ({"KIOSK_KIOSK_ID": ""}, "KIOSK_KIOSK_ID:", "1 to 64 characters"),
    ],
)
def test_each_refusal_is_one_line_naming_the_variable_and_the_fix(env, starts, says):
    line = refusal(env)
    assert line.startswith(starts), line
    assert says in line, line
    assert "Input should be" not in line and "validation error" not in line  # pydantic's raw words


def test_secrets_are_not_echoed():
    assert "12ab" not in refusal({"KIOSK_TECHNICIAN_PIN": "12ab"})
    assert "s3cret" not in refusal({"KIOSK_HUB_URL": "https://kiosk:s3cret@hub.example.gov.cn"})


@pytest.mark.parametrize(
    "env",
    [
        {"KIOSK_HUB_URL": "https://intake.example.gov.cn"},
        {"KIOSK_HUB_URL": "https://intake.example.gov.cn:8443/"},
        {"KIOSK_HUB_URL": "http://127.0.0.1:8780"},
        {"KIOSK_HUB_URL": "http://localhost:8780"},
        {"KIOSK_HUB_URL": "http://[::1]:8780"},
        {"KIOSK_TECHNICIAN_PIN": "2468"},
        {"KIOSK_TECHNICIAN_PIN": ""},  # the maintenance screen stays locked
        {"KIOSK_LANGUAGES": "bo_CN;ug_CN", "KIOSK_UI_LANGUAGE": "ug_CN"},
        {"KIOSK_PRINTER": "usb://0416:5011", "KIOSK_ID_READER": "serial:///dev/ttyUSB0?baud=115200"},
    ],
)
def test_good_settings_pass(env):
    check_device_settings(load_settings(env))


def test_variables_under_the_prefix_that_are_no_settings_still_work():
    env = {"KIOSK_TEST_IDCARD_URI": "serial:///dev/ttyUSB0", "KIOSK_DEMO_ITEMS": "queue_ticket",
           "KIOSK_UPDATE_SNAPSHOTS": "1", "KIOSK_CALL_SHOTS": "/tmp/shots", "KIOSKHUB_PORT": "8780",
           "KIOSK_DATA_DIR": "var/x"}
    assert str(load_settings(env).data_dir) == "var/x"


def test_every_kiosk_variable_the_code_reads_is_a_setting_or_a_known_extra():
    import subprocess
    from pathlib import Path

    from local_api.settings import NOT_SETTINGS, NOT_SETTINGS_PREFIXES, known_variables

    root = Path(__file__).resolve().parents[3]
    # (the tests of the check itself are left out: they spell names wrong on purpose)
    listed = subprocess.run(["git", "grep", "-ohE", r"KIOSK_[A-Z0-9_]+", "--", "*.py", "*.sh", "dev", "systemd",
                             ":!tests/unit/spine/test_settings.py", ":!tests/integration/spine/test_kioskd.py"],
                            cwd=root, capture_output=True, text=True, check=True).stdout.split()
    allowed = known_variables() | NOT_SETTINGS
    # names of constants and enum members that merely start with the prefix, words in prose, and the
    # loader's own example of a typo
    unrelated = {"KIOSK_HANGUP", "KIOSK_CANCELLED", "KIOSK_GONE", "KIOSK_SENDS", "KIOSK_MISTAKES", "KIOSK_IP",
                 "KIOSK_ID", "KIOSK_HUB_ULR"}
    strays = {n for n in listed if n not in allowed | unrelated and not n.startswith(NOT_SETTINGS_PREFIXES)}
    assert not strays, f"read under the KIOSK_ prefix but neither a setting nor a known extra: {strays}"


def test_environment_wins_over_the_file_and_both_tables_are_read(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('kiosk_id = "flat"\n[kiosk]\nhall_name = "文件里的大厅"\napi_port = 9001\n'
                      'languages = ["bo_CN"]\n[devices]\nprinter = "usb://0416:5011"\n', encoding="utf-8")
    s = load_settings({"KIOSK_CONFIG": str(config), "KIOSK_API_PORT": "9002"})
    assert (s.kiosk_id, s.hall_name, s.api_port, s.printer) == ("flat", "文件里的大厅", 9002, "usb://0416:5011")
    assert s.languages == ("zh_CN", "bo_CN")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("api_prot = 9000\n", "unknown setting 'api_prot'; did you mean 'api_port'?"),
        ("[devices]\nprintr = 'sim:'\n", "unknown setting 'printr'; did you mean 'printer'?"),
        ("[hub]\nurl = 'https://x'\n", "unknown table [hub]"),
        ('api_port = "abc"\n', "KIOSK_API_PORT (api_port in"),
        ('technician_pin = "12ab"\n', "KIOSK_TECHNICIAN_PIN (technician_pin in"),
        ('hall_name = "unterminated\n', "is not valid TOML"),
    ],
)
def test_file_mistakes_name_the_file_and_the_fix(tmp_path, body, says):
    config = tmp_path / "kiosk.toml"
    config.write_text(body, encoding="utf-8")
    line = refusal({"KIOSK_CONFIG": str(config)})
    assert says in line and "kiosk.toml" in line, line


def test_a_missing_file_is_named():
    assert "does not exist" in refusal({"KIOSK_CONFIG": "/nonexistent/kiosk.toml"})


def test_the_example_environment_file_passes_the_check():
    import shlex
    from pathlib import Path

    example = Path(__file__).resolve().parents[3] / "systemd" / "kiosk.env.example"
    # Read as a shell (and systemd's EnvironmentFile) reads it: values may be quoted.
    env = dict(shlex.split(line)[0].split("=", 1) for line in example.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#"))
    check_device_settings(load_settings(env))  # what a technician copies must not be refused


def test_the_ui_reads_its_part_of_a_shared_file_and_refuses_what_kioskd_refuses(tmp_path):
    from kiosk.settings import SettingsError, UiSettings

    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nhall_name = "测试大厅"\nhub_url = "https://hub.example.gov.cn"\n'
                      '[devices]\nprinter = "tcp://10.0.0.5:9100"\n', encoding="utf-8")
    env = {"KIOSK_CONFIG": str(config), "KIOSK_DEVICES": "sim"}
    assert load_settings(env).hall_name == UiSettings.load(env).hall_name == "测试大厅"  # kioskd's keys pass
    for bad in ({"KIOSK_API_PORT": "70000"}, {"KIOSK_TECHNICIAN_PIN": "12ab"}, {"KIOSK_TIMEZONE": "Mars/Base"},
                {"KIOSK_LANGUAGES": "zh_CN,xx_XX"}, {"KIOSK_LANGUAGES": "zh_CN", "KIOSK_UI_LANGUAGE": "bo_CN"},
                {"KIOSK_HELP_WINDOW": ""}, {"KIOSK_API_HOST": " "}):
        with pytest.raises(ConfigError) as kioskd:
            load_settings(bad)
        with pytest.raises(SettingsError) as ui:
            UiSettings.load(bad)
        assert str(ui.value) == str(kioskd.value)  # the same words from both processes
