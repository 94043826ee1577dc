"""The runner's line to an instance: messages arrive whole and in order, whatever their
size; a closed peer reads as EOFError, a closed channel raises OSError."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from polyfaas.runner.channel import READ_CHUNK, Channel


@pytest.fixture
def pair() -> Iterator[tuple[Channel, Channel]]:
    a, b = socket.socketpair()
    with a, b:
        yield Channel(a), Channel(b)


def test_messages_of_every_size_arrive_whole_and_in_order(pair: tuple[Channel, Channel]) -> None:
    sender, receiver = pair
    messages: list[Any] = [b"", b"x", {"k": list(range(1000))}, b"y" * (READ_CHUNK + 7)]
    messages += [b"z" * 3_000_000, ("call", 5), b"w" * (READ_CHUNK - 20)]

    def send_all() -> None:
        for message in messages:
            sender.send(message)

    thread = threading.Thread(target=send_all)
    thread.start()
    received = [receiver.recv() for _ in messages]
    thread.join()
    assert received == messages


def test_poll_sees_whole_messages_already_read(pair: tuple[Channel, Channel]) -> None:
    sender, receiver = pair
    assert not receiver.poll(0.01)
    sender.send(1)
    sender.send(2)
    assert receiver.poll(1)
    assert receiver.recv() == 1
    assert receiver.poll(0)  # the second came in the same read
    assert receiver.recv() == 2
    assert not receiver.poll(0)


def test_senders_in_several_threads_never_interleave(pair: tuple[Channel, Channel]) -> None:
    sender, receiver = pair
    big = [bytes([n]) * 2_000_000 for n in range(4)]
    threads = [threading.Thread(target=sender.send, args=(m,)) for m in big]
    for thread in threads:
        thread.start()
    received = [receiver.recv() for _ in big]
    for thread in threads:
        thread.join()
    assert sorted(received) == big


def test_closed_peer_and_closed_channel(pair: tuple[Channel, Channel]) -> None:
    sender, receiver = pair
    sender.send("last")
    sender.close()
    assert receiver.recv() == "last"
    assert receiver.poll(0)  # the end is readable
    with pytest.raises(EOFError):
        receiver.recv()
    receiver.close()
    for use in (receiver.recv, lambda: receiver.poll(0), lambda: receiver.send(1)):
        with pytest.raises(OSError, match="closed"):
            use()
