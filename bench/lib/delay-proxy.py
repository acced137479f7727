#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that adds a fixed delay to every byte in each direction (a long link, where tc netem is
not available): bench/run --latency MS puts it between both tools and the server, MS/2 each way, so one round trip
costs MS. Bytes keep their order; at most WINDOW bytes per direction are in flight, as a TCP window would allow.

Usage: delay-proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT RTT_MS   (prints "ready" once it listens)
With DELAY_PROXY_TRACE=FILE, each chunk read is logged as "TIME CONNECTION up|down BYTES" (TIME in seconds since the
epoch; up = client to server): a per-request timeline (request sent, first and last byte of the answer) to read with
bench/lib/trace-summary.py.
"""
import asyncio
import itertools
import os
import sys
import time

TRACE = open(os.environ["DELAY_PROXY_TRACE"], "a", buffering=1) if os.environ.get("DELAY_PROXY_TRACE") else None
CONNECTIONS = itertools.count(1)

CHUNK = 64 * 1024
WINDOW_CHUNKS = 64  # 4 MiB in flight per direction


async def pump(reader, writer, delay, loop, connection, direction):
    queue = asyncio.Queue(WINDOW_CHUNKS)

    async def receive():
        while True:
            data = await reader.read(CHUNK)
            if TRACE:
                TRACE.write(f"{time.time():.4f} {connection} {direction} {len(data)}\n")
            await queue.put((loop.time() + delay, data))
            if not data:
                return

    async def send():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(receive(), send())
    except (ConnectionError, OSError):
        pass


async def serve(client_reader, client_writer, host, port, delay):
    loop = asyncio.get_running_loop()
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    connection = next(CONNECTIONS)
    try:
        await asyncio.gather(pump(client_reader, server_writer, delay, loop, connection, "up"),
                             pump(server_reader, client_writer, delay, loop, connection, "down"))
    finally:
        for w in (client_writer, server_writer):
            try:
                w.close()
            except OSError:
                pass


async def main():
    listen_port, host, port, rtt_ms = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    delay = rtt_ms / 2000.0
    server = await asyncio.start_server(lambda r, w: serve(r, w, host, port, delay), "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
