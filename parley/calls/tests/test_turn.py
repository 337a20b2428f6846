"""TURN credentials: coturn's REST scheme as a client sees it, and a real coturn (the
repository's config, on loopback) that relays a call made with them and refuses them
once they have expired."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aioice.stun import TransactionFailed
from aioice.turn import TurnClientUdpProtocol, create_turn_endpoint
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from parley.accounts.models import User
from parley.calls.turn import ice_servers_for
from parley.core.testing.media import TurnServer, turn_server
from parley.core.testing.peers import (
    BLUE,
    RED,
    ColourTrack,
    Receiver,
    accept,
    close_all,
    colour_of,
    first_frame,
    is_near,
    offer,
)

pytestmark = pytest.mark.media  # real media: see pyproject.toml

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000
ANN = User(pk=42, username="ann")
BOB = User(pk=43, username="bob")


@pytest.fixture
def turn_settings(settings):
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.TURN_SECRET = "north-wind"
    settings.TURN_CREDENTIAL_SECONDS = 3600
    return settings


def test_credentials_follow_coturns_rest_scheme(turn_settings):
    with time_machine.travel(NOW, tick=False):
        servers = ice_servers_for(ANN)

    # Computed apart: printf %s 1700003600:42 | openssl dgst -sha1 -hmac north-wind -binary | base64
    assert servers == [
        {"urls": ["stun:turn.example.org:3478"]},
        {
            "urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
            "username": "1700003600:42",
            "credential": "YlpCluhk1i66cE5bZO2tP7aZqpY=",
        },
    ]


def test_credentials_last_the_configured_lifetime(turn_settings):
    turn_settings.TURN_CREDENTIAL_SECONDS = 600
    with time_machine.travel(NOW, tick=False):
        username = ice_servers_for(ANN)[1]["username"]

    assert username == "1700000600:42"


def test_each_user_gets_credentials_of_their_own(turn_settings):
    with time_machine.travel(NOW, tick=False):
        ann, bob = ice_servers_for(ANN)[1], ice_servers_for(BOB)[1]

    assert bob["username"] == "1700003600:43"
    assert bob["credential"] != ann["credential"]


def test_credentials_minted_later_expire_later(turn_settings):
    with time_machine.travel(NOW, tick=False):
        first = ice_servers_for(ANN)[1]
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        second = ice_servers_for(ANN)[1]

    assert second["username"] == "1700005400:42"
    assert second["credential"] != first["credential"]


def test_without_turn_only_stun_is_given(settings):
    settings.STUN_URLS = ["stun:stun.example.org"]
    settings.TURN_URLS = []
    settings.TURN_SECRET = ""

    assert ice_servers_for(ANN) == [{"urls": ["stun:stun.example.org"]}]


def test_without_any_ice_server_the_list_is_empty(settings):
    settings.STUN_URLS = []
    settings.TURN_URLS = []
    settings.TURN_SECRET = ""

    assert ice_servers_for(ANN) == []


# --- with coturn ----------------------------------------------------------------


@pytest.fixture(scope="module")
def coturn() -> Iterator[TurnServer]:
    with turn_server() as server:
        yield server


@pytest.fixture
def relay_settings(settings, coturn):
    settings.STUN_URLS = []
    settings.TURN_URLS = coturn.urls
    settings.TURN_SECRET = coturn.secret
    settings.TURN_CREDENTIAL_SECONDS = 3600
    return settings


def relay_only(user: User) -> RTCPeerConnection:
    """A peer that may only use the TURN relay, with `user`'s minted credentials."""
    servers = [RTCIceServer(**server) for server in ice_servers_for(user)]
    return RTCPeerConnection(
        RTCConfiguration(iceServers=servers, iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    )


def candidate_types(sdp: str) -> set[str]:
    return {line.split(" typ ")[1].split()[0] for line in sdp.splitlines() if " typ " in line}


async def test_a_relay_only_call_connects_through_coturn(relay_settings):
    ann, bob = relay_only(ANN), Receiver(relay_only(BOB))
    ann.addTrack(ColourTrack(RED))
    bob.pc.addTrack(ColourTrack(BLUE))
    ann_receives = Receiver(ann)
    try:
        ann_offer = await offer(ann)
        assert candidate_types(ann_offer) == {"relay"}
        bob_answer = await bob.answer(ann_offer)
        assert candidate_types(bob_answer) == {"relay"}
        await accept(ann, bob_answer)

        to_bob, to_ann = await asyncio.gather(
            first_frame(bob.tracks[0], skip=2), first_frame(ann_receives.tracks[0], skip=2)
        )
        assert is_near(colour_of(to_bob), RED)
        assert is_near(colour_of(to_ann), BLUE)
    finally:
        await close_all(ann, bob.pc)


async def test_coturn_refuses_an_expired_credential(relay_settings, coturn):
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=2), tick=False):
        (expired,) = ice_servers_for(ANN)

    with pytest.raises(TransactionFailed) as refused:
        await create_turn_endpoint(
            asyncio.DatagramProtocol,
            server_addr=(coturn.host, coturn.port),
            username=expired["username"],
            password=expired["credential"],
        )
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401

    # And a peer given it gathers no relay candidate: it cannot call relay-only.
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=2), tick=False):
        pc = relay_only(ANN)
    pc.addTrack(ColourTrack(RED))
    try:
        assert candidate_types(await offer(pc)) == set()
    finally:
        await pc.close()


async def test_coturn_allocates_with_a_fresh_credential(relay_settings, coturn):
    (fresh,) = ice_servers_for(ANN)

    transport, _ = await create_turn_endpoint(
        asyncio.DatagramProtocol,
        server_addr=(coturn.host, coturn.port),
        username=fresh["username"],
        password=fresh["credential"],
    )
    try:
        assert transport.get_extra_info("sockname")[0] == "127.0.0.1"  # the relay address
    finally:
        transport.close()


async def allocate(server: TurnServer, username: str, password: str) -> TurnClientUdpProtocol:
    """A TURN client with an allocation on `server` (raises TransactionFailed if refused)."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_datagram_endpoint(
        lambda: TurnClientUdpProtocol(
            (server.host, server.port),
            username=username,
            password=password,
            lifetime=600,
            channel_refresh_time=500,
        ),
        remote_addr=(server.host, server.port),
    )
    await client.connect()
    return client


async def test_the_deployed_config_relays_to_no_local_or_private_address(settings):
    with turn_server(loopback_peers=False) as hardened:
        settings.TURN_URLS, settings.TURN_SECRET = hardened.urls, hardened.secret
        (minted,) = ice_servers_for(ANN)
        client = await allocate(hardened, minted["username"], minted["credential"])
        try:
            for number, peer in enumerate(
                ["127.0.0.1", "10.1.2.3", "172.16.0.5", "192.168.1.1", "169.254.169.254"]
            ):
                with pytest.raises(TransactionFailed) as denied:
                    await client.channel_bind(0x4000 + number, (peer, 3478))
                assert denied.value.response.attributes["ERROR-CODE"][0] == 403, peer
        finally:
            await client.delete()
