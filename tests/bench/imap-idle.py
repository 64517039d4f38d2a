#!/usr/bin/env python3
"""Opens N IMAP sessions (users user1..user100, password "pass") that log
in, select INBOX and IDLE, prints one line when all are idling, then keeps
them open until stdin closes.  For make bench's memory row.

    imap-idle.py HOST PORT N
"""
import asyncio
import resource
import sys


async def one(host, port, i, ready):
    r, w = await asyncio.open_connection(host, port)
    await r.readline()
    for tag, cmd in ((b"a", b"LOGIN user%d pass" % (i % 100 + 1)),
                     (b"b", b"SELECT INBOX")):
        w.write(tag + b" " + cmd + b"\r\n")
        while True:
            line = await r.readline()
            if not line:
                raise ConnectionError("closed during " + cmd.decode())
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise ConnectionError(line.decode().strip())
                break
    w.write(b"c IDLE\r\n")
    while not (await r.readline()).startswith(b"+"):
        pass
    ready.append(1)
    return w


async def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024), hard))
    ready, writers = [], []
    for start in range(0, n, 200):
        batch = [one(host, port, i, ready) for i in range(start, min(n, start + 200))]
        writers += await asyncio.gather(*batch, return_exceptions=True)
    bad = [w for w in writers if isinstance(w, Exception)]
    print("%d sessions idling, %d failed%s" % (len(ready), len(bad),
          (": " + str(bad[0])) if bad else ""), flush=True)
    # Wait for stdin to close without a thread (every descriptor may be
    # in use by the sessions).
    done = asyncio.Event()
    asyncio.get_running_loop().add_reader(
        sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(65536) or done.set())
    await done.wait()


asyncio.run(main())
