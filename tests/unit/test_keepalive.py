"""Our servers admit the keepalive pings our own clients send: otherwise gRPC answers an
idle stream's pings with GOAWAY "too_many_pings" and cuts it (seen on the SSA death feed
during a long bench run)."""

from __future__ import annotations

from shared import channels, server


def test_servers_admit_pings_as_often_as_our_clients_send_them() -> None:
    client = dict(channels._OPTIONS)
    admitted = dict(server.KEEPALIVE_SERVER_OPTIONS)
    assert client["grpc.keepalive_time_ms"] == channels.KEEPALIVE_TIME_MS
    assert (
        admitted["grpc.http2.min_recv_ping_interval_without_data_ms"]
        < client["grpc.keepalive_time_ms"]
    )
    assert admitted["grpc.keepalive_permit_without_calls"] == 1
