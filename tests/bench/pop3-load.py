#!/usr/bin/env python3
"""POP3 load client for tests/bench/run, standard library only.

Usage:
  pop3-load.py HOST PORT retr USER PASS
      one session: LIST, then RETR of every message; prints
      "<messages> <bytes> <seconds>"
  pop3-load.py HOST PORT sessions N USERFMT PASS USERS
      N short sessions one after another (greeting, USER, PASS, STAT,
      QUIT), users USERFMT % 1..USERS in turn; prints "<N> <seconds>"
  pop3-load.py HOST PORT idle N USERFMT PASS
      N sessions logged in as USERFMT % 1..N, left open; prints "ready"
      and keeps them until standard input closes
"""
import socket
import sys
import time


class Session:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.f = self.s.makefile('rb')
        self.ok()

    def ok(self):
        l = self.f.readline()
        if not l.startswith(b'+OK'):
            raise OSError('unexpected reply %r' % l)
        return l

    def cmd(self, c):
        self.s.sendall(c.encode() + b'\r\n')
        return self.ok()

    def multi(self):
        n = 0
        while True:
            l = self.f.readline()
            if not l:
                raise OSError('connection closed')
            if l == b'.\r\n':
                return n
            n += len(l)

    def login(self, user, pw):
        # One command at a time, as most clients log in.
        self.cmd('USER ' + user)
        self.cmd('PASS ' + pw)

    def close(self):
        self.s.close()


def retr(host, port, user, pw):
    t0 = time.monotonic()
    s = Session(host, port)
    s.login(user, pw)
    s.cmd('LIST')
    nums = []
    while True:
        l = s.f.readline()
        if l == b'.\r\n':
            break
        nums.append(int(l.split()[0]))
    total = 0
    for n in nums:
        s.cmd('RETR %d' % n)
        total += s.multi()
    s.cmd('QUIT')
    s.close()
    print(len(nums), total, '%.3f' % (time.monotonic() - t0))


def sessions(host, port, n, fmt, pw, users):
    t0 = time.monotonic()
    for i in range(n):
        s = Session(host, port)
        s.login(fmt % (i % users + 1), pw)
        s.cmd('STAT')
        s.cmd('QUIT')
        s.close()
    print(n, '%.3f' % (time.monotonic() - t0))


def idle(host, port, n, fmt, pw):
    held = []
    for i in range(n):
        s = Session(host, port)
        s.login(fmt % (i + 1), pw)
        held.append(s)
    print('ready', flush=True)
    sys.stdin.read()
    for s in held:
        s.close()


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    a = sys.argv[4:]
    try:
        if mode == 'retr':
            retr(host, port, a[0], a[1])
        elif mode == 'sessions':
            sessions(host, port, int(a[0]), a[1], a[2], int(a[3]))
        elif mode == 'idle':
            idle(host, port, int(a[0]), a[1], a[2])
        else:
            sys.exit(__doc__)
    except OSError as e:
        print('pop3-load: %s' % e, file=sys.stderr)
        print('error')
        sys.exit(1)


main()
