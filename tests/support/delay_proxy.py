"""A TCP proxy on a free loopback port that holds every client->server chunk for `delay` seconds.

Put in front of AgentOS it makes each request slow; in front of PostgreSQL each query. Runs its own
event loop in a thread; `with DelayProxy(port, 2.0) as proxy:` then connect to `proxy.port`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Self


class DelayProxy:
    def __init__(self, target_port: int | None, delay: float, target_host: str = "127.0.0.1",
                 unix_socket: str | None = None) -> None:  # fmt: skip
        self.target = (target_host, target_port)
        self.unix_socket = unix_socket  # a PostgreSQL socket file instead of host:port
        self.delay = delay
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        ).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.unix_socket:
                up_reader, up_writer = await asyncio.open_unix_connection(self.unix_socket)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if delay and self.delay:
                        await asyncio.sleep(self.delay)
                    dst.write(chunk)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
