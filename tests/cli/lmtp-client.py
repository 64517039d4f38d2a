#!/usr/bin/env python3
"""LMTP conversations with mailtreed, for tests/cli/lmtp*.sh.

Usage: lmtp-client.py HOST PORT|SOCKET TEST [ARGS...]
Each TEST exits 0 when every reply was as expected, else prints what
differed and exits 1.  Only the standard library is used.
"""
import os
import socket
import ssl
import sys
import threading
import time


from wire import Conn, Fail


class Client(Conn):
    def __init__(self, host, port, implicit_tls=False, timeout=10):
        super().__init__(host, port, timeout, implicit_tls)

    def expect(self, prefix, what=''):
        code, texts = self.reply()
        got = '%d %s' % (code, texts[-1])
        if not got.startswith(prefix):
            raise Fail('%s: expected "%s...", got "%s"' % (what, prefix, got))
        return got

    def cmd(self, line, prefix):
        self.send(line + '\r\n')
        return self.expect(prefix, line)

    def closed(self, timeout=5):
        """True when the server closes the connection."""
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True
        except socket.timeout:
            return False


def message(subject, body='Hello.\r\n'):
    return ('From: a@example.org\r\nTo: b@example.org\r\nSubject: %s\r\n'
            'Message-ID: <%s@test>\r\n\r\n%s' % (subject, subject, body))


def data_body(text):
    """Dot-stuffs text (CRLF lines) and adds the end mark."""
    if isinstance(text, str):
        text = text.encode()
    lines = text.split(b'\r\n')
    if lines and lines[-1] == b'':
        lines.pop()
    out = b''.join((b'.' + l if l.startswith(b'.') else l) + b'\r\n'
                   for l in lines)
    return out + b'.\r\n'


def greet(c):
    c.expect('220 ', 'greeting')
    c.cmd('LHLO test.example', '250 ')


def deliver(c, rcpts, text, sender='sender@example.org'):
    c.cmd('MAIL FROM:<%s>' % sender, '250 2.1.0')
    for r in rcpts:
        c.cmd('RCPT TO:<%s>' % r, '250 2.1.5')
    c.cmd('DATA', '354')
    c.send(data_body(text))
    for r in rcpts:
        c.expect('250 2.0.0 <%s>' % r, 'after DATA for ' + r)


def t_lhlo(c, args):
    c.expect('220 ', 'greeting')
    c.send('LHLO test.example\r\n')
    code, caps = c.reply()
    want = ['PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME', 'SIZE ' + args[0],
            'STARTTLS']
    for w in want:
        if w not in caps:
            raise Fail('LHLO lacks %s: %r' % (w, caps))


def t_two(c, args):
    greet(c)
    deliver(c, ['alice@example.org', 'bob'], message('two'))
    c.cmd('QUIT', '221 2.0.0')


def t_unknown(c, args):
    greet(c)
    c.cmd('MAIL FROM:<s@example.org>', '250')
    c.cmd('RCPT TO:<alice@example.org>', '250 2.1.5')
    c.cmd('RCPT TO:<nobody@example.org>',
          '550 5.1.1 <nobody@example.org> User unknown')
    c.cmd('RCPT TO:<../alice@example.org>', '550 5.1.1')
    c.cmd('DATA', '354')
    c.send(data_body(message('unknown')))
    c.expect('250 2.0.0 <alice@example.org>', 'the known recipient')
    c.cmd('NOOP', '250 2.0.0')   # and no reply for the unknown one


def t_alias(c, args):
    """RCPT to each address in args; deliver one message to them all."""
    greet(c)
    deliver(c, args, message('alias'))
    c.cmd('QUIT', '221 2.0.0')


def t_rcpt_reply(c, args):
    """RCPT TO:<args[0]> must get a reply starting with args[1]."""
    greet(c)
    c.cmd('MAIL FROM:<s@example.org>', '250')
    c.cmd('RCPT TO:<%s>' % args[0], args[1])
    c.cmd('QUIT', '221 2.0.0')


def t_starttls(c, args):
    greet(c)
    c.cmd('STARTTLS', '220 2.0.0')
    c.tls()
    c.send('LHLO again\r\n')
    code, caps = c.reply()
    if 'STARTTLS' in caps:
        raise Fail('STARTTLS offered again over TLS')
    c.cmd('STARTTLS', '503 5.5.1')
    deliver(c, ['alice'], message('overtls'))
    c.cmd('QUIT', '221')


def t_implicit(c, args):
    greet(c)
    deliver(c, ['alice'], message('implicit'))


def t_size(c, args):
    greet(c)
    c.cmd('MAIL FROM:<s@x> SIZE=%d' % (int(args[0]) + 1), '552 5.3.4')
    c.cmd('MAIL FROM:<s@x> SIZE=10 BODY=8BITMIME', '250')
    c.cmd('RCPT TO:<alice>', '250')
    c.cmd('DATA', '354')
    c.send(data_body(message('toobig', 'x' * 70 + '\r\n') +
                     ('y' * 70 + '\r\n') * (int(args[0]) // 70 + 10)))
    c.expect('552 5.3.4 <alice>', 'over-size DATA')
    c.cmd('MAIL FROM:<s@x> BODY=BINARYMIME', '501 5.5.4')
    c.cmd('MAIL FROM:<s@x> FOO=1', '555 5.5.4')


def t_pipeline(c, args):
    c.expect('220 ', 'greeting')
    c.send('LHLO p\r\nMAIL FROM:<s@x>\r\nRCPT TO:<alice>\r\n'
           'RCPT TO:<nobody>\r\nRCPT TO:<bob>\r\nDATA\r\n')
    c.expect('250 PIPELINING', 'LHLO')
    c.expect('250 2.1.0', 'MAIL')
    c.expect('250 2.1.5 <alice>', 'RCPT 1')
    c.expect('550 5.1.1 <nobody>', 'RCPT 2')
    c.expect('250 2.1.5 <bob>', 'RCPT 3')
    c.expect('354', 'DATA')
    c.send(data_body(message('pipelined')) + b'NOOP\r\nQUIT\r\n')
    c.expect('250 2.0.0 <alice>', 'alice')
    c.expect('250 2.0.0 <bob>', 'bob')
    c.expect('250 2.0.0 OK', 'NOOP')
    c.expect('221', 'QUIT')


def t_dots(c, args):
    greet(c)
    deliver(c, ['alice'], message('dots', '.\r\n..two\r\n.x\r\nend.\r\n'))


def t_errors(c, args):
    c.expect('220 ', 'greeting')
    c.cmd('MAIL FROM:<s@x>', '503 5.5.1')
    c.cmd('HELO x', '500 5.5.1')
    c.cmd('LHLO x', '250')
    c.cmd('RCPT TO:<alice>', '503 5.5.1')
    c.cmd('DATA', '503 5.5.1')
    c.cmd('MAIL FROM:<s@x>', '250')
    c.cmd('MAIL FROM:<s@x>', '503 5.5.1')
    c.cmd('DATA', '503 5.5.1')   # no valid recipient
    c.cmd('RSET', '250 2.0.0')
    c.cmd('VRFY alice', '252')
    c.cmd('FROB', '500 5.5.1')
    c.cmd('MAIL FROM:bad', '501 5.5.4')
    c.cmd('NOOP', '250')


def t_longline(c, args):
    greet(c)
    c.cmd('NOOP ' + 'x' * 5000, '500 5.5.2')
    c.cmd('NOOP', '250 2.0.0')
    c.send(b'NO\x00OP\r\n')
    c.expect('500 5.5.2', 'NUL byte')
    c.cmd('NOOP', '250 2.0.0')


def t_badlimit(c, args):
    c.expect('220 ', 'greeting')
    c.send('FROB\r\n' * 20)
    for i in range(10):
        c.expect('500 5.5.1', 'bad command %d' % i)
    c.expect('421 4.7.0', 'the limit')
    if not c.closed():
        raise Fail('still open after too many errors')


def t_garbage_tls(c, args):
    greet(c)
    c.cmd('STARTTLS', '220')
    c.send(b'junk that is no TLS ClientHello\r\n' * 3)
    if not c.closed():
        raise Fail('the server did not close after garbage')


def t_garbage_implicit(c, args):
    c.send(b'GET / HTTP/1.0\r\n\r\n')
    if not c.closed():
        raise Fail('the server did not close after garbage')


def t_middata(c, args):
    greet(c)
    c.cmd('MAIL FROM:<s@x>', '250')
    c.cmd('RCPT TO:<alice>', '250')
    c.cmd('RCPT TO:<bob>', '250')
    c.cmd('DATA', '354')
    c.send(message('middata', 'part of a body\r\n' * 1000))
    c.sock.close()


def t_idle(c, args):
    greet(c)
    c.expect('421 4.4.2', 'idle timeout')
    if not c.closed():
        raise Fail('still open after the timeout')


def t_fullbig(c, args):
    greet(c)
    c.cmd('MAIL FROM:<s@x>', '250')
    c.cmd('RCPT TO:<u>', '250')
    c.cmd('DATA', '354')
    c.send(data_body(message('big', ('y' * 70 + '\r\n') * 6000)))
    c.expect('452 4.3.1 <u>', 'disk full')
    deliver(c, ['u'], message('small'))


def t_hold(c, args):
    """Starts a delivery, creates the file args[0] while in DATA, waits
    for the file args[1], then finishes: the delivery must still be saved
    (SIGTERM or SIGHUP in between)."""
    greet(c)
    c.cmd('MAIL FROM:<s@x>', '250')
    c.cmd('RCPT TO:<alice>', '250')
    c.cmd('DATA', '354')
    c.send(message(args[2], 'first half\r\n'))
    open(args[0], 'w').close()
    for _ in range(100):
        if os.path.exists(args[1]):
            break
        time.sleep(0.05)
    c.send(b'second half\r\n.\r\n')
    c.expect('250 2.0.0 <alice>', 'delivery across the signal')
    if args[3] == 'stop':
        c.expect('421 4.3.2', 'goodbye after the transaction')
    else:
        deliver(c, ['alice'], message(args[2] + '-again'))
        c.cmd('QUIT', '221')


def t_burst(c, args):
    """Sends messages on 4 connections until the server dies; writes the
    Message-ID of every message that got 250 to args[0]."""
    c.sock.close()
    host, port = sys.argv[1], sys.argv[2]
    out = open(args[0], 'a')
    lock = threading.Lock()

    def worker(n):
        try:
            k = Client(host, port)
            greet(k)
            i = 0
            while True:
                sub = 'burst-%d-%d' % (n, i)
                k.cmd('MAIL FROM:<s@x>', '250')
                k.cmd('RCPT TO:<alice>', '250')
                k.cmd('DATA', '354')
                k.send(data_body(message(sub, 'z' * 2000 + '\r\n')))
                k.expect('250 2.0.0', sub)
                with lock:
                    out.write('<%s@test>\n' % sub)
                    out.flush()
                i += 1
        except (Fail, OSError):
            pass

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


TESTS = {name[2:]: f for name, f in globals().items()
         if name.startswith('t_')}

if __name__ == '__main__':
    host, port, test = sys.argv[1:4]
    implicit = test in ('implicit', 'garbage_implicit_tls')
    try:
        c = Client(host, port, implicit_tls=(test == 'implicit'))
        TESTS[test.replace('-', '_')](c, sys.argv[4:])
    except (Fail, OSError) as e:
        print('%s: %s' % (test, e), file=sys.stderr)
        sys.exit(1)
