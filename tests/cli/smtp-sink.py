#!/usr/bin/env python3
"""A small SMTP server that keeps what it is sent, for tests/cli/smtp-queue.sh.

Usage: smtp-sink.py PORT DIR [--tls CERT KEY] [--auth USER:PASS]
                             [--reject ADDR] [--no-pipelining] [--no-dsn]
Each message is written to DIR/N.eml (the DATA bytes, unstuffed, CRLF
kept) and DIR/N.env (the session: connection number, TLS, AUTH, the MAIL
and RCPT lines), N counting from 1.  DIR/ready appears once it listens.
Runs until killed.
"""
import base64
import os
import socket
import ssl
import sys
import threading

port, out = int(sys.argv[1]), sys.argv[2]
opts = sys.argv[3:]
ctx = None
if '--tls' in opts:
    i = opts.index('--tls')
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts[i + 1], opts[i + 2])
auth = opts[opts.index('--auth') + 1] if '--auth' in opts else None
reject = opts[opts.index('--reject') + 1] if '--reject' in opts else None
pipelining = '--no-pipelining' not in opts
lock = threading.Lock()
counter = {'msg': 0, 'conn': 0}


def serve(sock, conn_no):
    f = sock.makefile('rb')
    tls = False
    user = None
    mail, rcpts = None, []

    def send(line):
        sock.sendall(line.encode() + b'\r\n')

    send('220 sink ESMTP')
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode('utf-8', 'replace').rstrip('\r\n')
        verb = cmd.split(' ')[0].upper()
        if verb == 'EHLO':
            exts = ['8BITMIME', 'SMTPUTF8', 'SIZE 10000000']
            if '--no-dsn' not in opts:
                exts.insert(1, 'DSN')
            if pipelining:
                exts.append('PIPELINING')
            if ctx and not tls:
                exts.append('STARTTLS')
            if auth and tls:
                exts.append('AUTH PLAIN LOGIN')
            send('250-sink')
            for e in exts[:-1]:
                send('250-' + e)
            send('250 ' + exts[-1])
        elif verb == 'STARTTLS' and ctx and not tls:
            send('220 go ahead')
            sock = ctx.wrap_socket(sock, server_side=True)
            f = sock.makefile('rb')
            tls = True
        elif verb == 'AUTH':
            parts = cmd.split(' ')
            cred = base64.b64decode(parts[2]).split(b'\0') \
                if len(parts) > 2 else []
            if len(cred) == 3 and ('%s:%s' % (cred[1].decode(),
                                              cred[2].decode())) == auth:
                user = cred[1].decode()
                send('235 2.7.0 ok')
            else:
                send('535 5.7.8 no')
        elif verb == 'MAIL':
            if auth and user is None:
                send('530 5.7.0 auth first')
                continue
            mail, rcpts = cmd, []
            send('250 2.1.0 ok')
        elif verb == 'RCPT':
            if reject and reject in cmd:
                send('550 5.1.1 <%s> no such user here' % reject)
            else:
                rcpts.append(cmd)
                send('250 2.1.5 ok')
        elif verb == 'DATA':
            if not rcpts:
                send('554 5.5.1 no valid recipients')
                continue
            send('354 go')
            data = b''
            while True:
                l = f.readline()
                if l in (b'.\r\n', b''):
                    break
                if l.startswith(b'.'):
                    l = l[1:]
                data += l
            with lock:
                counter['msg'] += 1
                n = counter['msg']
            with open(os.path.join(out, '%d.eml' % n), 'wb') as e:
                e.write(data)
            with open(os.path.join(out, '%d.env' % n), 'w') as e:
                e.write('conn %d\ntls %s\nauth %s\n%s\n%s\n' % (
                    conn_no, tls, user, mail, '\n'.join(rcpts)))
            send('250 2.0.0 ok queued as sink%d' % n)
            mail, rcpts = None, []
        elif verb == 'RSET':
            mail, rcpts = None, []
            send('250 ok')
        elif verb == 'QUIT':
            send('221 bye')
            return
        else:
            send('250 ok' if verb == 'NOOP' else '500 what')


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', port))
ls.listen(16)
open(os.path.join(out, 'ready'), 'w').close()
while True:
    s, _ = ls.accept()
    with lock:
        counter['conn'] += 1
        c = counter['conn']
    threading.Thread(target=lambda s, c: (serve(s, c), s.close()),
                     args=(s, c), daemon=True).start()
