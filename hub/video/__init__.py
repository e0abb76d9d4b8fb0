"""Remote video help: helper accounts, the call state machine, the signaling relay, ICE servers."""
