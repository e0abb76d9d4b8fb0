"""Remote video help (远程视频帮办): the kiosk's side of a call with a helper at the hub."""
