#!/usr/bin/env python3
"""POP3 conversations for tests/cli/pop3.sh, standard library only.

Usage: pop3-client.py HOST PORT SCENARIO [ARGS...]
Each scenario exits 0 when every reply is as expected, else prints what
differed and exits 1.  The user is alice, password x, unless given.
"""
import base64
import os
import poplib
import socket
import sys
import time

from wire import check, failures, tls_context

HOST, PORT = sys.argv[1], int(sys.argv[2])


class Raw:
    """A raw POP3 connection: lines and exact bytes."""

    def __init__(self, host=HOST, port=PORT, implicit=False):
        self.s = socket.create_connection((host, port), timeout=20)
        if implicit:
            self.s = tls_context().wrap_socket(self.s)
        self.f = self.s.makefile('rb')
        self.greeting = self.line()

    def starttls(self):
        self.send('STLS')
        r = self.line()
        self.s = tls_context().wrap_socket(self.s)
        self.f = self.s.makefile('rb')
        return r

    def send(self, data):
        if isinstance(data, str):
            data = data.encode() + b'\r\n'
        self.s.sendall(data)

    def line(self):
        return self.f.readline().decode('latin-1').rstrip('\r\n')

    def cmd(self, c):
        self.send(c)
        return self.line()

    def multi(self):
        """The raw bytes of a multi-line body, terminator excluded."""
        out = b''
        while True:
            l = self.f.readline()
            if not l:
                raise OSError('connection closed in a multi-line reply')
            if l == b'.\r\n':
                return out
            out += l

    def login(self, user='alice', pw='x'):
        check(self.cmd('USER ' + user).startswith('+OK'), 'USER')
        return self.cmd('PASS ' + pw)


def unstuff(body):
    return b''.join(l[1:] if l.startswith(b'.') else l
                    for l in body.splitlines(keepends=True))


def crlf(data):
    """LF without CR becomes CRLF, as the store's vsize counts."""
    out, prev = bytearray(), 0
    for b in data:
        if b == 10 and prev != 13:
            out += b'\r'
        out.append(b)
        prev = b
    return bytes(out)


def sc_capa():
    r = Raw()
    check(r.greeting.startswith('+OK'), 'greeting')
    check(r.cmd('CAPA') == '+OK', 'CAPA +OK')
    caps = r.multi().decode().split('\r\n')
    for c in ('TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE',
              'USER', 'SASL PLAIN LOGIN', 'STLS', 'IMPLEMENTATION mailtree'):
        check(c in caps, 'CAPA lists %s: %r' % (c, caps))


def sc_sizes(expdir):
    """LIST and STAT sizes equal the bytes RETR sends; the bytes equal the
    stored message with CRLF line ends (files expdir/N, message N)."""
    r = Raw()
    check(r.login().startswith('+OK'), 'login')
    stat = r.cmd('STAT').split()
    check(r.cmd('LIST').startswith('+OK'), 'LIST')
    sizes = [tuple(map(int, l.split())) for l in
             r.multi().decode().split('\r\n') if l]
    n = len(os.listdir(expdir))
    check(len(sizes) == n and int(stat[1]) == n, 'LIST/STAT count %r %r'
          % (sizes, stat))
    check(sum(s for _, s in sizes) == int(stat[2]), 'STAT total')
    for num, size in sizes:
        want = crlf(open(os.path.join(expdir, str(num)), 'rb').read())
        reply = r.cmd('RETR %d' % num)
        check(reply == '+OK %d octets' % size, 'RETR reply %r' % reply)
        got = unstuff(r.multi())
        # Framing: a message without a final newline gets one CRLF
        # before the terminator; it is not part of the message.
        if not want.endswith(b'\n'):
            check(got.endswith(b'\r\n'), 'framing CRLF')
            got = got[:-2]
        check(got == want, 'message %d bytes: %r != %r' % (num, got[:80],
                                                          want[:80]))
        check(len(got) == size, 'message %d: LIST %d, RETR %d' %
              (num, size, len(got)))
        check(r.cmd('LIST %d' % num) == '+OK %d %d' % (num, size),
              'LIST %d' % num)
    top = r.cmd('TOP 1 0')
    check(top == '+OK', 'TOP reply %r' % top)
    hdr = crlf(open(os.path.join(expdir, '1'), 'rb').read())
    hdr = hdr[:hdr.index(b'\r\n\r\n') + 4]
    check(unstuff(r.multi()) == hdr, 'TOP 1 0 is the header')
    check(r.cmd('QUIT').startswith('+OK'), 'QUIT')


def sc_uidl(*want):
    p = poplib.POP3(HOST, PORT, timeout=20)
    p.user('alice')
    p.pass_('x')
    resp, lines, _ = p.uidl()
    got = [l.decode().split()[1] for l in lines]
    check(got == list(want), 'UIDL %r, want %r' % (got, want))
    check(p.uidl(2).decode() == '+OK 2 ' + want[1], 'UIDL 2')
    p.quit()


def sc_poplib():
    """The usual client conversation with Python's poplib."""
    p = poplib.POP3(HOST, PORT, timeout=20)
    check(p.getwelcome().startswith(b'+OK'), 'welcome')
    check(p.user('alice').startswith(b'+OK'), 'USER')
    check(p.pass_('x').startswith(b'+OK'), 'PASS')
    count, size = p.stat()
    resp, lines, octets = p.retr(1)
    check(resp.startswith(b'+OK'), 'RETR')
    check(lines[0].startswith(b'Delivered-To') or
          lines[0].startswith(b'Return-Path') or len(lines) > 0, 'lines')
    resp, lines, octets = p.top(1, 0)
    check(b'' in lines, 'TOP has the empty line')
    check(p.noop().startswith(b'+OK'), 'NOOP')
    check(p.rset().startswith(b'+OK'), 'RSET')
    check(p.quit().startswith(b'+OK'), 'QUIT')


def sc_dele(mode, *nums):
    """DELE the numbers, RSET-check, then QUIT or drop the connection."""
    r = Raw()
    check(r.login().startswith('+OK'), 'login')
    total = int(r.cmd('STAT').split()[1])
    for n in nums:
        check(r.cmd('DELE ' + n).startswith('+OK'), 'DELE ' + n)
    check(r.cmd('RETR ' + nums[0]) == '-ERR Message is deleted.',
          'RETR of a deleted message')
    check(r.cmd('STAT').split()[1] == str(total - len(nums)), 'STAT after')
    if mode == 'rset':
        check(r.cmd('RSET').startswith('+OK'), 'RSET')
        check(r.cmd('STAT').split()[1] == str(total), 'RSET unmarks')
        for n in nums:
            check(r.cmd('DELE ' + n).startswith('+OK'), 'DELE again')
    if mode == 'drop':
        r.s.close()
        return
    q = r.cmd('QUIT')
    check(q == '+OK Logging out, messages deleted.', 'QUIT %r' % q)


def sc_inuse():
    a = Raw()
    check(a.login().startswith('+OK'), 'first session logs in')
    b = Raw()
    r = b.login()
    check(r == '-ERR [IN-USE] Mailbox is locked by another POP3 session',
          'second session: %r' % r)
    check(a.cmd('QUIT').startswith('+OK'), 'first QUIT')
    a.f.read()
    r = b.login()
    check(r.startswith('+OK'), 'after the first QUIT: %r' % r)
    b.cmd('QUIT')


def sc_auth():
    r = Raw()
    ir = base64.b64encode(b'\0alice\0wrong').decode()
    check(r.cmd('AUTH PLAIN ' + ir) == '-ERR [AUTH] Authentication failed.',
          'wrong password')
    check(r.cmd('AUTH PLAIN !!notbase64') ==
          '-ERR Invalid base64 data in SASL response.', 'garbage base64')
    check(r.cmd('AUTH PLAIN') == '+ ', 'PLAIN without initial response')
    check(r.cmd('*') == '-ERR Authentication aborted by client.', 'cancel')
    check(r.cmd('AUTH CRAM-MD5').startswith('-ERR'), 'unknown mechanism')
    check(r.cmd('AUTH LOGIN ' + base64.b64encode(b'alice').decode()) ==
          '+ UGFzc3dvcmQ6', 'LOGIN with initial response asks the password')
    check(r.cmd(base64.b64encode(b'x').decode()) == '+OK Logged in.',
          'AUTH LOGIN')
    check(r.cmd('QUIT').startswith('+OK'), 'QUIT')
    r = Raw()
    check(r.cmd('AUTH PLAIN') == '+ ', 'AUTH PLAIN, empty challenge')
    check(r.cmd(base64.b64encode(b'\0alice\0x').decode()) ==
          '+OK Logged in.', 'AUTH PLAIN in a second step')
    r.cmd('QUIT')
    r = Raw()
    check(r.cmd('AUTH PLAIN ' + base64.b64encode(b'alice\0alice\0x')
                .decode()) == '+OK Logged in.', 'PLAIN with authzid')
    r.cmd('QUIT')


def sc_stls():
    p = poplib.POP3(HOST, PORT, timeout=20)
    check('STLS' in p.capa(), 'STLS offered')
    p.stls(context=tls_context())
    check('STLS' not in p.capa(), 'no STLS once TLS is on')
    p.user('alice')
    p.pass_('x')
    check(p.stat()[0] >= 1, 'STAT over TLS')
    p.quit()


def sc_implicit():
    p = poplib.POP3_SSL(HOST, PORT, context=tls_context(), timeout=20)
    check('STLS' not in p.capa(), 'no STLS on implicit TLS')
    p.user('alice')
    p.pass_('x')
    check(p.stat()[0] >= 1, 'STAT')
    check(p.retr(1)[0].startswith(b'+OK'), 'RETR')
    p.quit()


def sc_plaintext():
    """A non-loopback address without TLS: passwords refused."""
    refused = ('-ERR [AUTH] Plaintext authentication disallowed on '
               'non-secure connections')
    r = Raw()
    check(r.cmd('CAPA') == '+OK', 'CAPA')
    caps = r.multi().decode().split('\r\n')
    check('USER' not in caps and 'STLS' in caps and
          not any(c.startswith('SASL') for c in caps), 'CAPA %r' % caps)
    check(r.cmd('USER alice') == refused, 'USER refused')
    check(r.cmd('PASS x') == refused, 'PASS refused')
    check(r.cmd('AUTH PLAIN ' + base64.b64encode(b'\0alice\0x').decode())
          == refused, 'AUTH refused')
    check(r.starttls().startswith('+OK'), 'STLS')
    check(r.cmd('CAPA') == '+OK', 'CAPA over TLS')
    caps = r.multi().decode().split('\r\n')
    check('USER' in caps and 'STLS' not in caps, 'CAPA after STLS %r' % caps)
    check(r.login().startswith('+OK'), 'USER/PASS over TLS')
    r.cmd('QUIT')


def sc_badinput():
    r = Raw()
    check(r.cmd('STAT') == '-ERR Log in first.', 'STAT before login')
    check(r.cmd('RETR 1') == '-ERR Log in first.', 'RETR before login')
    check(r.cmd('X' * 5000) == '-ERR Line too long', 'over-long line')
    check(r.cmd('NOOP\0x') == '-ERR NUL byte in command.', 'NUL byte')
    check(r.cmd('FOO') == '-ERR Unknown command.', 'unknown command')
    check(r.cmd('PASS x') == '-ERR No user name given (USER first).',
          'PASS before USER')
    check(r.login().startswith('+OK'), 'the session goes on: login')
    check(r.cmd('USER bob') == '-ERR Command not allowed after login.',
          'USER after login')
    check(r.cmd('RETR 999') == "-ERR There's no message 999.", 'RETR 999')
    check(r.cmd('RETR x') == '-ERR Invalid message number.', 'RETR x')
    check(r.cmd('LIST 1 2') == '-ERR Too many arguments.', 'LIST 1 2')
    check(r.cmd('TOP 1') == '-ERR Usage: TOP msg lines', 'TOP 1')
    check(r.cmd('NOOP') == '+OK', 'still answering')
    check(r.cmd('QUIT').startswith('+OK'), 'QUIT')


def sc_badlimit(n):
    r = Raw()
    for _ in range(int(n)):
        r.send('FOO')
    replies = [r.line() for _ in range(int(n) + 1)]
    check(replies[-1] == '-ERR Too many bad commands.', 'limit %r' % replies)
    check(r.f.read() == b'', 'closed')


def sc_timeout(secs):
    r = Raw()
    t0 = time.monotonic()
    l = r.line()
    dt = time.monotonic() - t0
    check(l == '-ERR Disconnected for inactivity.', 'timeout reply %r' % l)
    check(float(secs) - 0.5 <= dt <= float(secs) + 3, 'after %.1f s' % dt)
    check(r.f.read() == b'', 'closed')


def sc_pipeline():
    r = Raw()
    r.send(b'USER alice\r\nPASS x\r\nSTAT\r\nLIST 1\r\nRETR 1\r\n'
           b'UIDL 1\r\nNOOP\r\nQUIT\r\n')
    check(r.line() == '+OK', 'USER')
    check(r.line() == '+OK Logged in.', 'PASS')
    check(r.line().startswith('+OK '), 'STAT')
    size = int(r.line().split()[2])
    check(r.line() == '+OK %d octets' % size, 'RETR after LIST')
    r.multi()
    check(r.line().startswith('+OK 1 '), 'UIDL 1 after the message')
    check(r.line() == '+OK', 'NOOP')
    check(r.line() == '+OK Logging out.', 'QUIT')


def sc_big(path):
    """A large message, read slowly at first: exact bytes."""
    r = Raw()
    r.login()
    n = int(r.cmd('STAT').split()[1])
    reply = r.cmd('RETR %d' % n)
    time.sleep(1)	# the server must wait for the socket, not buffer all
    got = unstuff(r.multi())
    want = crlf(open(path, 'rb').read())
    check(reply == '+OK %d octets' % len(want), 'RETR reply %r' % reply)
    check(got == want, 'big message bytes (%d vs %d)' % (len(got),
                                                         len(want)))
    r.cmd('QUIT')


sc = globals()['sc_' + sys.argv[3]]
try:
    sc(*sys.argv[4:])
except (OSError, poplib.error_proto, ValueError, IndexError) as e:
    failures.append(repr(e))
    print('FAIL: exception', repr(e))
sys.exit(1 if failures else 0)
