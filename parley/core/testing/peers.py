"""aiortc peers for media tests: synthetic tracks (no camera, no microphone) whose
frames say who sent them, and helpers that wait for received frames with a timeout."""

import asyncio
import fractions
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from av import VideoFrame
from av.video.plane import VideoPlane

FRAME_SECONDS = 10.0

# YUV of two plain colours: a received frame's chroma tells them apart after VP8.
RED = (81, 90, 240)
BLUE = (41, 240, 110)


class ColourTrack(VideoStreamTrack):
    """Small frames of one plain colour, at the usual video clock."""

    def __init__(self, yuv: tuple[int, int, int], width: int = 160, height: int = 120) -> None:
        super().__init__()
        self.yuv = yuv
        self.size = (width, height)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(*self.size, "yuv420p")
        for plane, value in zip(frame.planes, self.yuv, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base or fractions.Fraction(1, 90000)
        return frame


def _mean(plane: VideoPlane) -> int:
    """The mean of a plane's pixels (each line is padded to line_size bytes)."""
    data = bytes(plane)
    rows = [
        data[y * plane.line_size : y * plane.line_size + plane.width] for y in range(plane.height)
    ]
    return sum(sum(row) for row in rows) // (plane.width * plane.height)


def colour_of(frame: VideoFrame) -> tuple[int, int, int]:
    """The mean Y, U and V of a decoded yuv420p frame."""
    y, u, v = (_mean(plane) for plane in frame.planes)
    return (y, u, v)


def is_near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(colour, expected, strict=True))


def publisher(colour: tuple[int, int, int]) -> RTCPeerConnection:
    """A peer that sends a video track of `colour` and a (silent) audio track."""
    pc = RTCPeerConnection()
    pc.addTrack(ColourTrack(colour))
    pc.addTrack(AudioStreamTrack())
    return pc


class Receiver:
    """A receiving peer that keeps the tracks it is given, by mid."""

    def __init__(self, pc: RTCPeerConnection | None = None) -> None:
        self.pc = pc or RTCPeerConnection()
        self.tracks: list[MediaStreamTrack] = []
        self.pc.on("track", self.tracks.append)

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    def mid_of(self, track: MediaStreamTrack) -> str:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track:
                return str(transceiver.mid)
        raise AssertionError("no transceiver receives that track")


async def offer(pc: RTCPeerConnection) -> str:
    """`pc`'s offer with all its candidates in it (aiortc gathers before it returns)."""
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription.sdp


async def accept(pc: RTCPeerConnection, answer_sdp: str) -> None:
    await pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))


async def first_frame(track: MediaStreamTrack, *, skip: int = 0) -> Any:
    """The first decoded frame (av's VideoFrame or AudioFrame) of `track`, after `skip`
    others, within FRAME_SECONDS."""
    async with asyncio.timeout(FRAME_SECONDS):
        for _ in range(skip):
            await track.recv()
        return await track.recv()


async def close_all(*pcs: RTCPeerConnection) -> None:
    await asyncio.gather(*(pc.close() for pc in pcs))
