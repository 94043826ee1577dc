"""The runner's line to an instance: pickled messages over a stream socket, each
framed by its length.

What ``multiprocessing.connection.Connection`` does, for the one kind of socket the
runner uses, with fewer system calls a message: one write (length and message
together), reads that take whatever has arrived (often the whole message at once,
never a read of the length alone), and ``poll`` on a poll object made once rather
than a selector a call. A closed peer reads as ``EOFError``; a channel closed here
raises ``OSError``, as ``Connection`` does.
"""

from __future__ import annotations

import math
import pickle
import select
import socket
import struct
import threading
from typing import Any

_LENGTH = struct.Struct("!Q")
#: How much one read of a message's start asks for (a larger message's rest is read
#: into a buffer of its own size).
READ_CHUNK = 64 * 1024
#: Messages up to this size are written with their length in one piece (a copy);
#: larger ones in two writes.
JOIN_LIMIT = 1024 * 1024


class Channel:
    """Pickled messages over ``sock`` (blocking); ``send`` may be called from several
    threads at once, ``recv`` and ``poll`` from one at a time."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        self.sock = sock
        self.buffer = bytearray()
        self.scratch = bytearray(READ_CHUNK)
        self.view = memoryview(self.scratch)
        self.send_lock = threading.Lock()
        self.poller: Any = None
        self.closed = False

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: Any) -> None:
        """Write ``message`` (pickled) whole; ``OSError`` if the channel or its peer is gone."""
        if self.closed:
            raise OSError("the channel is closed")
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        head = _LENGTH.pack(len(data))
        with self.send_lock:
            if len(data) <= JOIN_LIMIT:
                self.sock.sendall(head + data)
            else:
                self.sock.sendall(head)
                self.sock.sendall(data)

    def _whole(self) -> int:
        """The length of the first message if the buffer holds all of it, else -1."""
        buffer = self.buffer
        if len(buffer) < _LENGTH.size:
            return -1
        (length,) = _LENGTH.unpack_from(buffer)
        return length if len(buffer) - _LENGTH.size >= length else -1

    def recv(self) -> Any:
        """The next message, waiting for it; ``EOFError`` when the peer closed."""
        if self.closed:
            raise OSError("the channel is closed")
        buffer = self.buffer
        while True:
            if len(buffer) >= _LENGTH.size:
                (length,) = _LENGTH.unpack_from(buffer)
                end = _LENGTH.size + length
                if len(buffer) >= end:
                    data = buffer[_LENGTH.size : end]
                    del buffer[:end]
                    return pickle.loads(data)
                if end - len(buffer) > READ_CHUNK:  # a large one: read into its own room
                    return pickle.loads(self._rest(end))
            count = self.sock.recv_into(self.scratch)
            if not count:
                raise EOFError
            buffer += self.view[:count]

    def _rest(self, end: int) -> memoryview:
        """The message the buffer starts, read whole (the buffer holds no more after it)."""
        whole = bytearray(end)
        had = len(self.buffer)
        whole[:had] = self.buffer
        self.buffer.clear()
        view = memoryview(whole)
        while had < end:
            count = self.sock.recv_into(view[had:])
            if not count:
                raise EOFError
            had += count
        return view[_LENGTH.size :]

    def poll(self, timeout: float) -> bool:
        """Whether something can be read within ``timeout`` seconds (a whole message
        already read, data, or the peer's end)."""
        if self.closed:
            raise OSError("the channel is closed")
        if self._whole() >= 0:
            return True
        if not hasattr(select, "poll"):  # not a Unix
            return bool(select.select([self.sock], [], [], max(0.0, timeout))[0])
        poller = self.poller
        if poller is None:
            poller = self.poller = select.poll()
            poller.register(self.sock.fileno(), select.POLLIN)
        return bool(poller.poll(max(0, math.ceil(timeout * 1000))))

    def close(self) -> None:
        self.closed = True
        self.poller = None
        self.sock.close()
