"""The body limit both gates use: a declared size over it, and a body that grows over it while read."""

from __future__ import annotations

import asyncio

import pytest

from common.body_limit import counting, declared_over


class TooLarge(Exception):
    pass


def test_a_declared_length_over_the_limit_is_caught_before_reading():
    assert declared_over({b"content-length": b"1025"}, 1024)
    assert not declared_over({b"content-length": b"1024"}, 1024)
    assert not declared_over({}, 1024)  # chunked: counted while read
    assert not declared_over({b"content-length": b"-5"}, 1024)  # not a size: the server refuses it itself


def test_a_body_is_cut_off_at_the_chunk_that_goes_over():
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True},
              {"type": "http.request", "body": b"x" * 600, "more_body": False}]
    read = []

    async def receive():
        message = chunks[len(read)]
        read.append(message)
        return message

    async def body(limit: int) -> int:
        limited = counting(receive, limit, TooLarge)
        return len((await limited())["body"]) + len((await limited())["body"])

    assert asyncio.run(body(1200)) == 1200
    read.clear()
    with pytest.raises(TooLarge):
        asyncio.run(body(1000))
    assert len(read) == 2  # the first chunk passed; the second went over
