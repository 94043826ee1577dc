"""``new_id``: random UUID4 strings from a pool of random bytes, distinct across
threads, across pool refills and across a fork (the child empties the pool)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from polyfaas._event_type import _IDS_A_FILL, new_id


def test_every_id_is_a_uuid4_and_none_repeats_across_refills() -> None:
    ids = [new_id() for _ in range(5 * _IDS_A_FILL + 3)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_threads_never_share_an_id() -> None:
    taken: list[list[str]] = [[] for _ in range(8)]

    def take(mine: list[str]) -> None:
        for _ in range(400):
            mine.append(new_id())

    threads = [threading.Thread(target=take, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [text for mine in taken for text in mine]
    assert len(every) == 8 * 400
    assert len(set(every)) == len(every)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only: os.fork")
def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    new_id()  # the pool holds the next ids now
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next ids, then leave at once
        try:
            os.close(read_end)
            os.write(write_end, ",".join(new_id() for _ in range(_IDS_A_FILL)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child_ids = set(pipe.read().split(","))
    os.waitpid(child, 0)
    parent_ids = {new_id() for _ in range(_IDS_A_FILL)}
    assert len(child_ids) == _IDS_A_FILL
    assert not child_ids & parent_ids
