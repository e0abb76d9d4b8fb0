"""One aiortc peer connection of a call: the kiosk offers, the helper's page answers.

aiortc does not trickle ICE: ``setLocalDescription`` gathers every candidate first, so the offer
is complete. A peer connection is never reused after a network blip; the manager builds a new one.
The offer's m-lines are always, in this order: camera video, screen video, document video,
microphone audio (track ids ``kiosk-camera``, ``kiosk-screen``, ``kiosk-document``, ``kiosk-microphone``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import MediaStreamTrack, RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

log = logging.getLogger(__name__)


def ice_servers(raw: Any) -> list[RTCIceServer]:
    """The hub's ``ice_servers`` list as aiortc wants it; entries it cannot use are left out."""
    servers = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        urls = entry.get("urls")
        urls = [urls] if isinstance(urls, str) else [u for u in urls or [] if isinstance(u, str)]
        urls = [u for u in urls if u.startswith(("stun:", "turn:", "turns:"))]
        if urls:
            servers.append(RTCIceServer(urls=urls, username=entry.get("username"), credential=entry.get("credential")))
    return servers


class Peer:
    """A single RTCPeerConnection with the kiosk's outgoing tracks and handlers for the helper's."""

    def __init__(self, servers: list[RTCIceServer], tracks: list[MediaStreamTrack], *,
                 on_state: Callable[[str], None],
                 on_video: Callable[[MediaStreamTrack], Awaitable[None]],
                 on_audio: Callable[[MediaStreamTrack], Awaitable[None]]) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.tracks = tracks
        self._video_seen = False

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            on_state(self.pc.connectionState)

        @self.pc.on("track")
        async def _track(track: MediaStreamTrack) -> None:
            if track.kind == "video" and not self._video_seen:  # the helper's camera
                self._video_seen = True
                await on_video(track)
            elif track.kind == "audio":
                await on_audio(track)

        for track in tracks:
            self.pc.addTrack(track)

    @property
    def state(self) -> str:
        return self.pc.connectionState

    async def offer(self) -> str:
        """Create the offer and gather all candidates; returns the complete SDP."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept(self, sdp: str) -> None:
        """Apply the helper's answer (ValueError when it does not fit the offer)."""
        if self.pc.signalingState != "have-local-offer":
            raise ValueError(f"no offer is waiting for an answer (signaling state {self.pc.signalingState})")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def close(self) -> None:
        for track in self.tracks:
            track.stop()
        await self.pc.close()
