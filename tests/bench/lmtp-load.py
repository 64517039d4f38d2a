#!/usr/bin/env python3
"""LMTP load client for tests/bench/run: sends N copies of a message over
C concurrent connections (one message per transaction, recipients cycling
through USERS) and prints "<count> <seconds> <msgs/s>", timed from the
first connection to the last 250.

Usage: lmtp-load.py HOST PORT N CONNS MESSAGE-FILE USER[,USER...]
"""
import socket
import sys
import threading
import time


def run(host, port, n, conns, body, users):
    lock = threading.Lock()
    state = {'next': 0, 'done': 0, 'err': None}

    def reply(f):
        while True:
            l = f.readline()
            if not l:
                raise OSError('connection closed')
            if l[3:4] != b'-':
                return l

    def worker():
        try:
            s = socket.create_connection((host, port))
            f = s.makefile('rb')
            reply(f)
            s.sendall(b'LHLO bench\r\n')
            reply(f)
            while True:
                with lock:
                    i = state['next']
                    if i >= n:
                        break
                    state['next'] += 1
                u = users[i % len(users)]
                # Pipelined as an MTA would: MAIL, RCPT, DATA at once.
                s.sendall(b'MAIL FROM:<bench@example.org>\r\n'
                          b'RCPT TO:<' + u + b'>\r\nDATA\r\n')
                for want in (b'250', b'250', b'354'):
                    l = reply(f)
                    if not l.startswith(want):
                        raise OSError('unexpected reply %r' % l)
                s.sendall(body)
                l = reply(f)
                if not l.startswith(b'250'):
                    raise OSError('not delivered: %r' % l)
                with lock:
                    state['done'] += 1
            s.sendall(b'QUIT\r\n')
            s.close()
        except OSError as e:
            state['err'] = e

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    if state['err']:
        print('lmtp-load: %s' % state['err'], file=sys.stderr)
    return state['done'], secs


def main():
    host, port, n, conns, path, users = sys.argv[1:7]
    raw = open(path, 'rb').read().replace(b'\r\n', b'\n')
    lines = raw.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    body = b''.join((b'.' + l if l.startswith(b'.') else l) + b'\r\n'
                    for l in lines) + b'.\r\n'
    done, secs = run(host, int(port), int(n), int(conns), body,
                     [u.encode() for u in users.split(',')])
    print('%d %.3f %.0f' % (done, secs, done / secs if secs > 0 else 0))
    sys.exit(0 if done == int(n) else 1)


if __name__ == '__main__':
    main()
