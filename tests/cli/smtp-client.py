#!/usr/bin/env python3
"""SMTP conversations with mailtreed, for tests/cli/smtp*.sh.

Usage: smtp-client.py HOST PORT TEST [ARGS...]
Each TEST exits 0 when every reply was as expected, else prints what
differed and exits 1.  Only the standard library is used: smtplib where
a client library is what is tested, raw sockets where the bytes on the
wire are (pipelining, BDAT, bad input).
"""
import smtplib
import ssl
import sys


from wire import Conn, Fail, tls_context


class Raw(Conn):
    """A raw SMTP connection: send bytes, read whole replies."""

    def __init__(self, host, port, implicit_tls=False, greet=True):
        super().__init__(host, port, 20, implicit_tls)
        if greet:
            expect(self.reply(), 220)

    def starttls(self):
        self.send('STARTTLS\r\n')
        expect(self.reply(), 220)
        self.tls()

    def closed(self):
        """True when the server closed the connection."""
        try:
            return self.sock.recv(1) == b''
        except (ConnectionResetError, ssl.SSLError):
            return True

    def cmd(self, line, code):
        self.send(line + '\r\n')
        return expect(self.reply(), code, line)


def expect(reply, code, what=''):
    got, texts = reply
    if isinstance(code, str):
        full = '%d %s' % (got, texts[-1])
        if not full.startswith(code):
            raise Fail('%s: expected %s, got %s' % (what, code, full))
    elif got != code:
        raise Fail('%s: expected %d, got %d %s' % (what, code, got, texts))
    return texts


def message(subject, body='Hello.\r\n', extra='', sender='sender@example.net'):
    return ('From: %s\r\nTo: alice@a.example\r\n'
            'Subject: %s\r\nMessage-ID: <%s@test>\r\n%s\r\n%s'
            % (sender, subject, subject, extra, body))


def t_ehlo(host, port, *want):
    r = Raw(host, port)
    texts = r.cmd('EHLO client.example', 250)
    exts = [t.split(' ')[0] for t in texts[1:]]
    for w in want:
        if w.startswith('!'):
            if w[1:] in exts:
                raise Fail('%s offered: %s' % (w[1:], exts))
        elif w not in exts:
            raise Fail('%s missing: %s' % (w, exts))
    r.cmd('QUIT', 221)


def t_send(host, port, sender, rcpts, subject, *opts):
    """smtplib: EHLO, [STARTTLS], [AUTH], MAIL, RCPT..., DATA."""
    s = smtplib.SMTP_SSL(host, int(port), context=tls_context(),
                         timeout=20) if 'implicit' in opts else \
        smtplib.SMTP(host, int(port), timeout=20)
    s.ehlo('client.example')
    if 'starttls' in opts:
        s.starttls(context=tls_context())
        s.ehlo('client.example')
    for o in opts:
        if o.startswith('login='):
            user, pw = o[6:].split(':')
            s.login(user, pw)
    msg = open(subject, 'rb').read() if subject.startswith('/') else \
        message(subject, sender=sender).encode()
    # notify=SUCCESS,FAILURE: the DSN NOTIFY of every recipient.
    rcpt_options = ['NOTIFY=' + o[7:] for o in opts if o.startswith('notify=')]
    refused = s.sendmail(sender, rcpts.split(','), msg,
                         rcpt_options=rcpt_options)
    if refused:
        raise Fail('refused: %r' % refused)
    s.quit()


def t_auth(host, port, mech, user, password, code):
    s = smtplib.SMTP(host, int(port), timeout=20)
    s.ehlo('client.example')
    s.starttls(context=tls_context())
    s.ehlo('client.example')
    s.user, s.password = user, password
    fn = {'PLAIN': s.auth_plain, 'LOGIN': s.auth_login}[mech]
    try:
        c, text = s.auth(mech, fn, initial_response_ok=(mech == 'PLAIN'))
    except smtplib.SMTPAuthenticationError as e:
        c, text = e.smtp_code, e.smtp_error
    if c != int(code):
        raise Fail('AUTH %s: %d %s' % (mech, c, text))
    s.quit()


def t_reply(host, port, *lines_and_code):
    """Sends lines one by one; the last argument is the expected reply
    prefix of the last line, every earlier one must be 2xx or 3xx."""
    *lines, want = lines_and_code
    r = Raw(host, port)
    for l in lines[:-1]:
        r.send(l + '\r\n')
        c, t = r.reply()
        if c >= 400:
            raise Fail('%s: %d %s' % (l, c, t))
    r.send(lines[-1] + '\r\n')
    expect(r.reply(), want, lines[-1])


def t_pregreet(host, port):
    r = Raw(host, port, greet=False)
    r.send('EHLO early.example\r\n')
    expect(r.reply(), '554 5.5.1', 'command before the greeting')
    if not r.closed():
        raise Fail('connection still open')


def t_pipeline(host, port, rcpt):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    body = message('pipelined').replace('\r\n.', '\r\n..')
    r.send('MAIL FROM:<sender@example.net>\r\nRCPT TO:<%s>\r\n'
           'RCPT TO:<nobody@a.example>\r\nRCPT TO:<x@elsewhere.example>\r\n'
           'DATA\r\n' % rcpt)
    expect(r.reply(), '250 2.1.0', 'MAIL')
    expect(r.reply(), '250 2.1.5', 'RCPT')
    expect(r.reply(), '550 5.1.1', 'unknown RCPT')
    expect(r.reply(), '554 5.7.1', 'relay RCPT')
    expect(r.reply(), 354, 'DATA')
    r.send(body + '.\r\nQUIT\r\n')
    expect(r.reply(), '250 2.0.0', 'end of data')
    expect(r.reply(), 221, 'QUIT')


def t_bdat(host, port, rcpt):
    """Two chunks; the first holds a lone '.' line, which is data."""
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    c1 = ('Subject: chunked\r\n\r\nline one\r\n.\r\nafter the dot\r')
    c2 = '\nlast line\r\n'
    r.send('MAIL FROM:<sender@example.net> BODY=8BITMIME\r\n'
           'RCPT TO:<%s>\r\nBDAT %d\r\n%s' % (rcpt, len(c1), c1))
    expect(r.reply(), 250, 'MAIL')
    expect(r.reply(), 250, 'RCPT')
    expect(r.reply(), '250 2.0.0 %d octets' % len(c1), 'BDAT 1')
    r.send('BDAT %d LAST\r\n%s' % (len(c2), c2))
    expect(r.reply(), '250 2.0.0', 'BDAT LAST')
    r.cmd('QUIT', 221)


def t_bdat_bad(host, port, rcpt):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('BDAT x', '501 5.5.4')
    r.cmd('BDAT 5 LASTX', '501 5.5.4')
    # A chunk without a transaction is read and refused.
    r.send('BDAT 6\r\nabcdef')
    expect(r.reply(), '503 5.5.1', 'BDAT outside a transaction')
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.send('BDAT 4 LAST\r\nabcd')
    expect(r.reply(), '554 5.5.1', 'BDAT without recipients')
    r.cmd('RSET', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    # The size says 12 but 20 bytes follow: the 8 extra ones are a
    # (bad) command line.
    r.send('BDAT 12 LAST\r\nSubject: w\r\n1234567\r\n')
    expect(r.reply(), '250 2.0.0', 'BDAT with a short size')
    expect(r.reply(), '500 5.5.1', 'the rest of the data as a command')
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.cmd('DATA', 354)
    r.send('x\r\n.\r\n')
    expect(r.reply(), 250, 'DATA')
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.send('BDAT 3\r\nabc')
    expect(r.reply(), 250, 'BDAT')
    r.cmd('DATA', '503 5.5.1')
    r.cmd('RSET', 250)
    r.cmd('QUIT', 221)


def t_bdat_size(host, port, rcpt, limit):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    n = int(limit) + 10
    r.send('BDAT %d\r\n' % n + 'x' * n)
    expect(r.reply(), '552 5.3.4', 'BDAT over the size limit')
    r.send('BDAT 3 LAST\r\nabc')
    expect(r.reply(), '503 5.5.1', 'the next chunk belongs to nothing')
    r.cmd('QUIT', 221)


def t_size(host, port, rcpt, limit):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net> SIZE=%d' % (int(limit) + 1),
          '552 5.3.4')
    r.cmd('MAIL FROM:<s@example.net> SIZE=10', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.cmd('DATA', 354)
    r.send('Subject: big\r\n\r\n' + ('y' * 99 + '\r\n') * (int(limit) // 100
                                                          + 5) + '.\r\n')
    expect(r.reply(), '552 5.3.4', 'DATA over the limit')
    r.cmd('QUIT', 221)


def t_longline(host, port, rcpt, n):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.cmd('DATA', 354)
    r.send('Subject: long\r\n\r\n' + 'z' * int(n) + '\r\n.\r\n')
    expect(r.reply(), 250, 'a long line')
    r.cmd('QUIT', 221)


def t_data_raw(host, port, rcpt, what):
    """DATA with odd message shapes."""
    body = {'headeronly': 'Subject: header only\r\n',
            'bodyonly': '\r\nbody only\r\n',
            'empty': ''}[what]
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.cmd('DATA', 354)
    r.send(body + '.\r\n')
    expect(r.reply(), 250, what)
    r.cmd('QUIT', 221)


def t_quit_mid(host, port, rcpt):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.cmd('RCPT TO:<%s>' % rcpt, 250)
    r.cmd('QUIT', 221)


def t_many_rcpts(host, port, rcpt, count, limit):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<s@example.net>', 250)
    r.send(''.join('RCPT TO:<%s>\r\n' % rcpt for _ in range(int(count))))
    got = {}
    for _ in range(int(count)):
        c, t = r.reply()
        got[c] = got.get(c, 0) + 1
        if c == 452 and not t[-1].startswith('4.5.3'):
            raise Fail('452 without 4.5.3: %s' % t)
    want = {250: int(limit), 452: int(count) - int(limit)}
    if got != want:
        raise Fail('replies %r, expected %r' % (got, want))
    r.cmd('RSET', 250)
    r.cmd('QUIT', 221)


def t_badcmds(host, port):
    r = Raw(host, port)
    r.cmd('MAIL FROM:<a@b>', '503 5.5.1 Send EHLO')
    r.cmd('HELO', '501 5.5.4')
    r.cmd('LHLO x', '500 5.5.1')
    r.cmd('EHLO client.example', 250)
    r.cmd('RCPT TO:<alice@a.example>', '503 5.5.1')
    r.cmd('DATA', '503 5.5.1')
    r.cmd('MAIL FROM:<a@b> FOO=1', '555 5.5.4')
    r.cmd('MAIL FROM:<a@b> RET=MAYBE', '501 5.5.4')
    r.cmd('MAIL FROM:<j\u00f6rg@b.example>', '553 5.6.7')
    r.cmd('MAIL FROM:<j\u00f6rg@b.example> SMTPUTF8 RET=HDRS ENVID=x+2By',
          '250 2.1.0')
    r.cmd('RCPT TO:<alice@a.example> NOTIFY=BOGUS', '501 5.5.4')
    r.cmd('RCPT TO:<alice@a.example> NOTIFY=NEVER,FAILURE', '501 5.5.4')
    r.cmd('RCPT TO:<alice@a.example> ORCPT=nosemicolon', '501 5.5.4')
    r.cmd('RCPT TO:<alice@a.example> NOTIFY=SUCCESS,FAILURE '
          'ORCPT=rfc822;alice@a.example', '250 2.1.5')
    r.cmd('DATA', 354)
    r.send('Subject: DSN parameters\r\n\r\nok\r\n.\r\n')
    expect(r.reply(), 250, 'DATA')
    r.cmd('AUTH PLAIN', '500 5.5.1')   # no AUTH on the MX
    r.cmd('VRFY alice', 252)
    r.cmd('HELP', 214)
    r.cmd('NOOP', 250)
    r.cmd('QUIT', 221)


def t_starttls_raw(host, port):
    """STARTTLS, EHLO again: the session starts over."""
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<a@b>', 250)
    r.cmd('RSET', 250)
    r.starttls()
    r.cmd('MAIL FROM:<a@b>', '503 5.5.1 Send EHLO')
    texts = r.cmd('EHLO client.example', 250)
    if any(t.startswith('STARTTLS') for t in texts):
        raise Fail('STARTTLS offered again over TLS')
    r.cmd('QUIT', 221)


def t_sub_noauth(host, port):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.cmd('MAIL FROM:<alice@a.example>', '530 5.7.0')
    r.cmd('QUIT', 221)


def t_sub_auth_raw(host, port, user, password, *steps):
    """STARTTLS, AUTH PLAIN, then each step is "LINE=>CODE"."""
    import base64
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.starttls()
    r.cmd('EHLO client.example', 250)
    tok = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
    r.cmd('AUTH PLAIN ' + tok, 235)
    r.cmd('AUTH PLAIN ' + tok, '503 5.5.1')
    for st in steps:
        line, code = st.split('=>')
        if line == '<DATA>':
            r.send(code.split('|')[0].replace('\\n', '\r\n') + '.\r\n')
            expect(r.reply(), code.split('|')[1], 'end of data')
        else:
            r.cmd(line, code)
    r.cmd('QUIT', 221)


def t_auth_bad(host, port):
    r = Raw(host, port)
    r.cmd('EHLO client.example', 250)
    r.starttls()
    r.cmd('EHLO client.example', 250)
    r.cmd('AUTH CRAM-MD5', '504 5.5.4')
    r.cmd('AUTH PLAIN !!!notbase64', '501 5.5.2')
    r.cmd('AUTH LOGIN', '334 VXNlcm5hbWU6')
    r.cmd('*', '501 5.0.0')
    r.cmd('NOOP', 250)
    r.cmd('QUIT', 221)


TESTS = {n[2:]: f for n, f in globals().items() if n.startswith('t_')}

if __name__ == '__main__':
    host, port, test, *args = sys.argv[1:]
    try:
        TESTS[test](host, port, *args)
    except (Fail, smtplib.SMTPException, OSError) as e:
        print('%s: %s' % (test, e), file=sys.stderr)
        sys.exit(1)
