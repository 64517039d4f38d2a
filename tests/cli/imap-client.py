#!/usr/bin/env python3
"""IMAP conversations for tests/cli/imap*.sh, standard library only.

Usage: imap-client.py HOST PORT SCENARIO [ARGS...]
Each scenario talks to mailtreed over raw sockets (exact bytes) or
imaplib, compares every reply a client relies on with what the RFCs say,
prints what differed and exits 1 on any difference.  Users alice and bob,
password x.  Scenarios that need messages APPEND them to a folder of their
own, so they do not depend on each other.
"""
import base64
import imaplib
import re
import socket
import sys
import time

from wire import check, failures

HOST, PORT = sys.argv[1], int(sys.argv[2])


def eq(got, want, what):
    if got != want:
        failures.append(what)
        print('FAIL: %s\n   got: %r\n  want: %r' % (what, got, want))
        return False
    return True


def match(pattern, got, what):
    if isinstance(pattern, str):
        pattern = pattern.encode()
    if isinstance(got, str):
        got = got.encode()
    if re.fullmatch(pattern, got, re.S) is None:
        failures.append(what)
        print('FAIL: %s\n   got: %r\n  want: /%s/' % (what, got,
                                                     pattern.decode()))
        return False
    return True


class Raw:
    """A raw IMAP connection: commands in, exact response bytes out."""

    def __init__(self, user=None):
        self.s = socket.create_connection((HOST, PORT), timeout=20)
        self.f = self.s.makefile('rb')
        self.greeting = self.line()
        self.n = 0
        self.user = user
        # \\Recent goes to the first session that sees a message (see
        # imap-view.c; RFC 9051 dropped it); most scenarios ignore it.
        self.norecent = True
        if user:
            _, t = self.cmd('LOGIN %s x' % user)
            check(t.startswith(b'OK '), 'LOGIN %s: %r' % (user, t))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def line(self):
        l = self.f.readline()
        if not l:
            raise OSError('connection closed')
        return l

    def resp(self):
        """One response with its literals, CRLF at the end removed."""
        out = b''
        while True:
            l = self.line()
            out += l
            m = re.search(rb'~?\{(\d+)\}\r\n$', l)
            if not m:
                out = out[:-2] if out.endswith(b'\r\n') else out
                return norecent(out) if self.norecent else out
            out += self.f.read(int(m.group(1)))

    def tag(self):
        self.n += 1
        return 'a%d' % self.n

    def cmd(self, c, tag=None):
        """Sends TAG C; returns (untagged responses, tagged status)
        with the tag removed from the status: b'OK ...'."""
        tag = tag or self.tag()
        if isinstance(c, str):
            c = c.encode('utf-8')
        self.send(tag.encode() + b' ' + c + b'\r\n')
        return self.wait(tag)

    def wait(self, tag):
        unt = []
        t = tag.encode() + b' '
        while True:
            r = self.resp()
            if r.startswith(t):
                return unt, r[len(t):]
            unt.append(r)

    def ok(self, c, what=None):
        u, t = self.cmd(c)
        check(t.startswith(b'OK'), '%s: %r' % (what or c, t))
        return u

    def expect(self, c, want_unt, want_tag, what=None):
        """Untagged responses exactly want_unt (a list of bytes or
        regexes when a str), tagged status matching want_tag."""
        u, t = self.cmd(c)
        what = what or (c if isinstance(c, str) else repr(c))
        match(want_tag, t, what + ' (tagged)')
        if want_unt is not None:
            if len(u) != len(want_unt):
                eq(u, want_unt, what + ' (untagged)')
            else:
                for g, w in zip(u, want_unt):
                    if isinstance(w, bytes):
                        eq(g, w, what + ' (untagged)')
                    else:
                        match(w, g, what + ' (untagged)')
        return u, t

    def bad(self, c, what=None):
        """A tagged BAD, and the session still answers NOOP."""
        u, t = self.cmd(c)
        what = what or repr(c)
        check(t.startswith(b'BAD '), '%s: want BAD, got %r' % (what, t))
        self.alive(what)
        return t

    def no(self, c, code=None, what=None):
        u, t = self.cmd(c)
        what = what or repr(c)
        want = b'NO ' + (b'[' + code.encode() + b'] ' if code else b'')
        check(t.startswith(want), '%s: want %r, got %r' % (what, want, t))
        return t

    def alive(self, what):
        u, t = self.cmd('NOOP')
        check(t.startswith(b'OK'), 'session goes on after %s: %r' % (what,
                                                                    t))

    def append(self, box, msg, flags='', date=''):
        """APPEND with a synchronizing literal; returns the UID."""
        tag = self.tag()
        opt = (' (%s)' % flags if flags is not None else '') + \
            (' "%s"' % date if date else '')
        if flags == '':
            opt = ' ()' + (' "%s"' % date if date else '')
        self.send('%s APPEND %s%s {%d}\r\n' % (tag, box, opt, len(msg)))
        cont = self.resp()
        check(cont.startswith(b'+ '), 'APPEND continuation: %r' % cont)
        self.send(msg + b'\r\n')
        u, t = self.wait(tag)
        m = re.match(rb'OK \[APPENDUID \d+ (\d+)\]', t)
        check(m, 'APPEND to %s: %r' % (box, t))
        return int(m.group(1)) if m else 0

    def close(self):
        try:
            self.cmd('LOGOUT')
        except OSError:
            pass
        self.s.close()


def norecent(b):
    b = re.sub(rb'FLAGS \(\\Recent\)', b'FLAGS ()', b)
    return re.sub(rb' \\Recent(?=[ )])|\\Recent ', b'', b)


def crlf(b):
    return re.sub(rb'(?<!\r)\n', b'\r\n', b)


# ---- messages ----------------------------------------------------------

# RFC 3501 section 8's example message.
M1 = crlf(b'''Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)
From: Fred Foobar <foobar@Blurdybloop.COM>
Subject: afternoon meeting
To: mooch@owatagu.siam.edu
Message-Id: <B27397-0100000@Blurdybloop.COM>
MIME-Version: 1.0
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

Hello Joe, do you think we can meet at 3:30 tomorrow?
''')

M2_HDR = crlf(b'''From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>
To: a@example.com, "B, C" <b@example.com>
Cc: group: x@y.z, w@v.u;
Subject: =?UTF-8?B?R3LDvMOfZQ==?= multipart
Date: Tue, 8 Feb 1994 10:00:00 +0100
Message-ID: <m2@example.org>
In-Reply-To: <B27397-0100000@Blurdybloop.COM>
References: <B27397-0100000@Blurdybloop.COM>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

''')
M2_P1_MIME = crlf(b'''Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

''')
M2_P1 = b'Caf=C3=A9 na=C3=AFve body text'
M2_P2_HDR = crlf(b'''From: inner@example.net
Subject: inner message
Content-Type: multipart/alternative; boundary="YY"

''')
M2_P21 = b'inner plain'
M2_P22 = b'<p>inner html</p>'
M2_P2_TEXT = crlf(b'''--YY
Content-Type: text/plain

''') + M2_P21 + crlf(b'''
--YY
Content-Type: text/html

''') + M2_P22 + crlf(b'''
--YY--''')
M2_P3_MIME = crlf(b'''Content-Type: application/octet-stream; name="b.bin"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="b.bin"

''')
M2_P3 = b'AAECAwQFBgcICQ=='
M2_TEXT = crlf(b'preamble\n--XX\n') + M2_P1_MIME + M2_P1 + \
    crlf(b'\n--XX\nContent-Type: message/rfc822\n\n') + M2_P2_HDR + \
    M2_P2_TEXT + crlf(b'\n--XX\n') + M2_P3_MIME + M2_P3 + \
    crlf(b'\n--XX--\nepilogue\n')
M2 = M2_HDR + M2_TEXT

# A reply to M2 with an 8-bit UTF-8 body and a Latin-1 encoded-word.
M3 = crlf('''From: "Zoe" <zoe@example.com>
To: mooch@owatagu.siam.edu
Bcc: hidden@example.com
Subject: Re: =?ISO-8859-1?Q?Gr=FC=DFe?= multipart
Date: Wed, 9 Feb 1994 08:00:00 +0000
Message-ID: <m3@example.com>
References: <B27397-0100000@Blurdybloop.COM> <m2@example.org>
X-Priority: 1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Straße und Fuß, zwölf Boxkämpfer
'''.encode('utf-8'))

ENV1 = (b'("Mon, 7 Feb 1994 21:52:25 -0800 (PST)" "afternoon meeting" '
        b'(("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) '
        b'(("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) '
        b'(("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) '
        b'((NIL NIL "mooch" "owatagu.siam.edu")) NIL NIL NIL '
        b'"<B27397-0100000@Blurdybloop.COM>")')
BS1 = (b'("text" "plain" ("CHARSET" "US-ASCII") NIL NIL "7bit" 55 1 '
       b'NIL NIL NIL NIL)')


def _value_end(b, i):
    """The end of the value starting at b[i]: atom, quoted, literal, list."""
    if b[i:i + 1] == b'"':
        i += 1
        while b[i:i + 1] != b'"':
            i += 2 if b[i:i + 1] == b'\\' else 1
        return i + 1
    m = re.match(rb'~?\{(\d+)\}\r\n', b[i:])
    if m:
        return i + m.end() + int(m.group(1))
    if b[i:i + 1] == b'(':
        i += 1
        while b[i:i + 1] != b')':
            if b[i:i + 1] == b' ':
                i += 1
                continue
            i = _value_end(b, i)
        return i + 1
    m = re.match(rb'[^ ()\[]+(\[[^]]*\])?(<\d+>)?', b[i:])
    return i + m.end()


def items(data):
    """FETCH data '(NAME VALUE ...)' as {NAME: VALUE bytes}, any order."""
    out = {}
    i = 1
    while i < len(data) - 1:
        if data[i:i + 1] == b' ':
            i += 1
            continue
        j = _value_end(data, i)
        name = data[i:j]
        k = _value_end(data, j + 1)
        out[name.decode('latin-1')] = data[j + 1:k]
        i = k
    return out


def setup_box(r, box, msgs=(M1, M2, M3), recent=True):
    """CREATE box and APPEND msgs; returns their UIDs.  Unless recent,
    another session SELECTs the folder first and so takes \\Recent."""
    r.ok('CREATE ' + box)
    uids = [r.append(box, m, date='%02d-Feb-1994 12:00:00 +0000' % (7 + i))
            for i, m in enumerate(msgs)]
    if not recent:
        o = Raw(r.user)
        o.ok('SELECT ' + box)
        o.close()
    return uids


def fetch1(r, c):
    """The one FETCH response's data of command c, without '* N FETCH '."""
    u, t = r.cmd(c)
    check(t.startswith(b'OK'), '%s: %r' % (c, t))
    f = [x for x in u if re.match(rb'\* \d+ FETCH ', x)]
    if not eq(len(f), 1, 'one FETCH response to %s (%r)' % (c, u)):
        return b''
    return f[0].split(b' FETCH ', 1)[1]


# ---- scenarios ---------------------------------------------------------

def sc_caps():
    """Greeting, CAPABILITY before and after login, ID, NAMESPACE, ENABLE,
    SASL-IR, LOGOUT."""
    r = Raw()
    match(rb'\* OK \[CAPABILITY IMAP4rev1 [^]]*AUTH=PLAIN[^]]*\] .*',
          r.greeting.rstrip(), 'greeting carries CAPABILITY')
    u, t = r.cmd('CAPABILITY')
    eq(len(u), 1, 'one CAPABILITY response')
    pre = u[0].split()[2:] if u else []
    for c in (b'IMAP4rev1', b'LITERAL+', b'SASL-IR', b'AUTH=PLAIN',
              b'AUTH=LOGIN', b'ID', b'ENABLE', b'IDLE'):
        check(c in pre, 'pre-login CAPABILITY has %r' % c)
    check(b'CONDSTORE' not in pre, 'no CONDSTORE before login')
    r.bad('SELECT INBOX', 'SELECT before login')
    r.bad('ENABLE CONDSTORE', 'ENABLE before login')
    r.no('LOGIN alice wrong', what='a wrong password')
    r.no('LOGIN "" x', what='an empty user name')
    u, t = r.cmd('LOGIN alice x')
    match(rb'OK \[CAPABILITY IMAP4rev1 .*\] .*', t,
          'LOGIN OK carries the new CAPABILITY')
    u, t = r.cmd('CAPABILITY')
    post = u[0].split()[2:] if u else []
    for c in ('IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT '
              'CHILDREN UIDPLUS MOVE SPECIAL-USE LIST-EXTENDED LIST-STATUS '
              'STATUS=SIZE ESEARCH SEARCHRES CONDSTORE QRESYNC SORT '
              'THREAD=REFERENCES THREAD=ORDEREDSUBJECT MULTIAPPEND '
              'BINARY').split():
        check(c.encode() in post, 'CAPABILITY after login has %s' % c)
    check(any(x.startswith(b'APPENDLIMIT=') for x in post), 'APPENDLIMIT=')
    check(b'AUTH=PLAIN' not in post and b'STARTTLS' not in post,
          'no AUTH= or STARTTLS after login')
    r.bad('LOGIN alice x', 'LOGIN when logged in')
    r.bad('AUTHENTICATE PLAIN', 'AUTHENTICATE when logged in')
    r.expect('NAMESPACE', [b'* NAMESPACE (("" "/")) NIL NIL'], 'OK .*')
    u, t = r.expect('ID ("name" "test" "version" "1")',
                    [r'\* ID \(.*"name" "mailtree".*\)'], 'OK .*')
    r.expect('ID NIL', [r'\* ID (\(.*\)|NIL)'], 'OK .*')
    r.bad('ID ("name")', 'ID with an odd field list')
    # RFC 5161: ENABLE lists only what it enabled, unknown ones ignored.
    r.expect('ENABLE CONDSTORE', [b'* ENABLED CONDSTORE'], 'OK .*')
    r.expect('ENABLE X-UNKNOWN', [b'* ENABLED'], 'OK .*')
    r.bad('ENABLE', 'ENABLE without arguments')
    r.expect('NOOP', [], 'OK .*')
    u, t = r.cmd('LOGOUT')
    match(rb'\* BYE .*', u[0] if u else b'', 'LOGOUT sends BYE first')
    match(rb'OK .*', t, 'LOGOUT tagged OK')
    # SASL-IR (RFC 4959): the response on the command line.
    r = Raw()
    ir = base64.b64encode(b'\0alice\0x').decode()
    match(rb'OK .*', r.cmd('AUTHENTICATE PLAIN ' + ir)[1],
          'AUTHENTICATE PLAIN with an initial response')
    r.expect('SELECT INBOX', None, r'OK \[READ-WRITE\] .*')
    r.close()
    # AUTHENTICATE with a continuation; "*" cancels with BAD (RFC 3501).
    r = Raw()
    r.send('x1 AUTHENTICATE PLAIN\r\n')
    eq(r.resp(), b'+ ', 'AUTHENTICATE PLAIN continuation is "+ "')
    r.send('*\r\n')
    u, t = r.wait('x1')
    check(t.startswith(b'BAD'), 'a cancelled AUTHENTICATE is BAD: %r' % t)
    r.send('x2 AUTHENTICATE PLAIN\r\n')
    r.resp()
    r.send(base64.b64encode(b'\0bob\0x') + b'\r\n')
    u, t = r.wait('x2')
    match(rb'OK .*', t, 'AUTHENTICATE PLAIN via continuation')
    r.close()
    # imaplib's own idea of the conversation.
    m = imaplib.IMAP4(HOST, PORT)
    m.login('alice', 'x')
    typ, data = m.select('INBOX')
    eq(typ, 'OK', 'imaplib select')
    m.logout()


def sc_fetch():
    """Every FETCH item, sections and partials, against exact bytes."""
    r = Raw('alice')
    uids = setup_box(r, 'Fetch', recent=False)
    r.expect('EXAMINE Fetch', None, r'OK \[READ-ONLY\] .*')
    f = fetch1(r, 'FETCH 1 (ENVELOPE)')
    eq(f, b'(ENVELOPE ' + ENV1 + b')', 'ENVELOPE of the RFC 3501 example')
    eq(fetch1(r, 'FETCH 1 BODYSTRUCTURE'), b'(BODYSTRUCTURE ' + BS1 + b')',
       'BODYSTRUCTURE of a text/plain message')
    eq(fetch1(r, 'FETCH 1 BODY'),
       b'(BODY ("text" "plain" ("CHARSET" "US-ASCII") NIL NIL "7bit" 55 1))',
       'BODY (non-extensible) of a text/plain message')
    f = items(fetch1(r, 'FETCH 1 (RFC822.SIZE INTERNALDATE UID)'))
    eq(f.get('RFC822.SIZE'), b'%d' % len(M1), 'RFC822.SIZE is the bytes')
    check(f.get('INTERNALDATE') in (b'"07-Feb-1994 12:00:00 +0000"',
                                    b'" 7-Feb-1994 12:00:00 +0000"'),
          'INTERNALDATE from APPEND: %r' % f)
    eq(f.get('UID'), b'%d' % uids[0], 'UID')
    env2 = (b'("Tue, 8 Feb 1994 10:00:00 +0100" '
            b'"=?UTF-8?B?R3LDvMOfZQ==?= multipart" '
            b'(("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=" NIL "jm" "example.org"))'
            b' (("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=" NIL "jm" '
            b'"example.org")) '
            b'(("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=" NIL "jm" "example.org"))'
            b' ((NIL NIL "a" "example.com")("B, C" NIL "b" "example.com")) '
            b'((NIL NIL "group" NIL)(NIL NIL "x" "y.z")(NIL NIL "w" "v.u")'
            b'(NIL NIL NIL NIL)) NIL "<B27397-0100000@Blurdybloop.COM>" '
            b'"<m2@example.org>")')
    eq(fetch1(r, 'FETCH 2 ENVELOPE'), b'(ENVELOPE ' + env2 + b')',
       'ENVELOPE: encoded words kept, quoted display name, group syntax')
    inner_env = (b'(NIL "inner message" ((NIL NIL "inner" "example.net")) '
                 b'((NIL NIL "inner" "example.net")) '
                 b'((NIL NIL "inner" "example.net")) NIL NIL NIL NIL NIL)')
    bs2 = (b'(("text" "plain" ("CHARSET" "utf-8") NIL NIL "quoted-printable" '
           b'%d 1 NIL NIL NIL NIL)'
           b'("message" "rfc822" NIL NIL NIL "7bit" %d ' % (
               len(M2_P1), len(M2_P2_HDR + M2_P2_TEXT)) + inner_env +
           b' (("text" "plain" ("CHARSET" "us-ascii") NIL NIL "7bit" 11 1 '
           b'NIL NIL NIL NIL)("text" "html" ("CHARSET" "us-ascii") NIL NIL '
           b'"7bit" 17 1 NIL NIL NIL NIL) "alternative" ("BOUNDARY" "YY") '
           b'NIL NIL NIL) %d NIL NIL NIL NIL)' % (
               (M2_P2_HDR + M2_P2_TEXT).count(b'\n') + 1) +
           b'("application" "octet-stream" ("NAME" "b.bin") NIL NIL "base64" '
           b'16 NIL ("attachment" ("FILENAME" "b.bin")) NIL NIL) "mixed" '
           b'("BOUNDARY" "XX") NIL NIL NIL)')
    eq(fetch1(r, 'FETCH 2 BODYSTRUCTURE'), b'(BODYSTRUCTURE ' + bs2 + b')',
       'BODYSTRUCTURE of multipart/mixed with a message/rfc822 part')
    lit = lambda b: b'{%d}\r\n' % len(b) + b
    sections = [
        ('BODY.PEEK[]', 'BODY[]', M2),
        ('BODY.PEEK[HEADER]', 'BODY[HEADER]', M2_HDR),
        ('BODY.PEEK[TEXT]', 'BODY[TEXT]', M2_TEXT),
        ('BODY.PEEK[1]', 'BODY[1]', M2_P1),
        ('BODY.PEEK[1.MIME]', 'BODY[1.MIME]', M2_P1_MIME),
        ('BODY.PEEK[2]', 'BODY[2]', M2_P2_HDR + M2_P2_TEXT),
        ('BODY.PEEK[2.HEADER]', 'BODY[2.HEADER]', M2_P2_HDR),
        ('BODY.PEEK[2.TEXT]', 'BODY[2.TEXT]', M2_P2_TEXT),
        ('BODY.PEEK[2.1]', 'BODY[2.1]', M2_P21),
        ('BODY.PEEK[2.2]', 'BODY[2.2]', M2_P22),
        ('BODY.PEEK[2.2.MIME]', 'BODY[2.2.MIME]',
         crlf(b'Content-Type: text/html\n\n')),
        ('BODY.PEEK[3]', 'BODY[3]', M2_P3),
        ('BODY.PEEK[3.MIME]', 'BODY[3.MIME]', M2_P3_MIME),
        ('BODY.PEEK[HEADER.FIELDS (Subject message-id)]',
         'BODY[HEADER.FIELDS (Subject message-id)]',
         crlf(b'Subject: =?UTF-8?B?R3LDvMOfZQ==?= multipart\n'
              b'Message-ID: <m2@example.org>\n\n')),
        ('BODY.PEEK[HEADER.FIELDS.NOT (From To Cc Subject Date '
         'Message-ID In-Reply-To References)]',
         'BODY[HEADER.FIELDS.NOT (From To Cc Subject Date '
         'Message-ID In-Reply-To References)]',
         crlf(b'MIME-Version: 1.0\n'
              b'Content-Type: multipart/mixed; boundary="XX"\n\n')),
        ('BODY.PEEK[HEADER.FIELDS (X-Absent)]',
         'BODY[HEADER.FIELDS (X-Absent)]', b'\r\n'),
        ('BODY.PEEK[2.HEADER.FIELDS (SUBJECT)]',
         'BODY[2.HEADER.FIELDS (SUBJECT)]',
         crlf(b'Subject: inner message\n\n')),
        ('BODY.PEEK[]<0.4>', 'BODY[]<0>', M2[:4]),
        ('BODY.PEEK[TEXT]<10.5>', 'BODY[TEXT]<10>', M2_TEXT[10:15]),
        ('BODY.PEEK[1]<4.1000>', 'BODY[1]<4>', M2_P1[4:]),
        ('RFC822.HEADER', 'RFC822.HEADER', M2_HDR),
        ('BINARY.PEEK[1]', 'BINARY[1]', 'Café naïve body text'.encode()),
        ('BINARY.PEEK[1]<1.3>', 'BINARY[1]<1>', 'afé'.encode()[:3]),
    ]
    # Twice: header blocks and structures are remembered after the first.
    for again in ('', ', again'):
        for item, name, want in sections:
            eq(fetch1(r, 'FETCH 2 (%s)' % item),
               b'(' + name.encode() + b' ' + lit(want) + b')',
               'FETCH ' + item + again)
    for again in ('', ', again'):
        eq(fetch1(r, 'FETCH 2 (BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS '
                     '(Subject message-id)] UID)'),
           b'(UID %d BODYSTRUCTURE ' % uids[1] + bs2 +
           b' BODY[HEADER.FIELDS (Subject message-id)] ' +
           lit(crlf(b'Subject: =?UTF-8?B?R3LDvMOfZQ==?= multipart\n'
                    b'Message-ID: <m2@example.org>\n\n')) + b')',
           'BODYSTRUCTURE and HEADER.FIELDS together' + again)
    # A section past the message's end is empty; a partial past the end
    # of the data is an empty string (RFC 3501 6.4.5).
    check(fetch1(r, 'FETCH 2 BODY.PEEK[]<100000.10>') in (
        b'(BODY[]<100000> "")', b'(BODY[]<100000> {0}\r\n)'),
        'a partial past the end is an empty string')
    got = fetch1(r, 'FETCH 2 BODY.PEEK[4]')
    check(got in (b'(BODY[4] NIL)', b'(BODY[4] "")'),
          'a part that does not exist is NIL or "": %r' % got)
    # BINARY (RFC 3516): decoded bytes, literal8 when they hold a NUL.
    eq(fetch1(r, 'FETCH 2 BINARY.PEEK[3]'),
       b'(BINARY[3] ~{10}\r\n' + bytes(range(10)) + b')',
       'BINARY[3] decodes base64 and sends literal8 for NULs')
    eq(fetch1(r, 'FETCH 2 (BINARY.SIZE[3] BINARY.SIZE[1])'),
       b'(BINARY.SIZE[3] 10 BINARY.SIZE[1] %d)' % len(
           'Café naïve body text'.encode()), 'BINARY.SIZE')
    # Macros (RFC 3501 6.4.5).
    eq(sorted(items(fetch1(r, 'FETCH 2 FAST'))),
       ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'], 'FETCH FAST')
    eq(sorted(items(fetch1(r, 'FETCH 2 ALL'))),
       ['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE'], 'FETCH ALL')
    f = items(fetch1(r, 'FETCH 1 FULL'))
    eq(sorted(f), ['BODY', 'ENVELOPE', 'FLAGS', 'INTERNALDATE',
                   'RFC822.SIZE'], 'FETCH FULL')
    eq(f.get('ENVELOPE'), ENV1, 'FETCH FULL envelope')
    # EXAMINE: BODY[] does not set \Seen (read-only).
    eq(fetch1(r, 'FETCH 1 (BODY[TEXT])'),
       b'(BODY[TEXT] ' + lit(M1.split(b'\r\n\r\n', 1)[1]) + b')',
       'BODY[TEXT] on a read-only folder, no FLAGS')
    # Sequence sets: *, ranges in either order, lists, UID FETCH adds UID.
    u, _ = r.cmd('FETCH * UID')
    eq(u, [b'* 3 FETCH (UID %d)' % uids[2]], 'FETCH *')
    u, _ = r.cmd('FETCH 3:2 UID')
    eq(u, [b'* 2 FETCH (UID %d)' % uids[1], b'* 3 FETCH (UID %d)' % uids[2]],
       'FETCH 3:2 is 2:3')
    u, _ = r.cmd('FETCH 1,3,1:1 UID')
    eq(u, [b'* 1 FETCH (UID %d)' % uids[0], b'* 3 FETCH (UID %d)' % uids[2]],
       'FETCH 1,3,1:1: each message once, in order')
    u, _ = r.cmd('UID FETCH %d:* FLAGS' % uids[1])
    eq(u, [b'* 2 FETCH (UID %d FLAGS ())' % uids[1],
           b'* 3 FETCH (UID %d FLAGS ())' % uids[2]],
       'UID FETCH includes UID')
    u, _ = r.cmd('UID FETCH 9999:* UID')
    eq(u, [b'* 3 FETCH (UID %d)' % uids[2]],
       'UID FETCH 9999:* is the last message (RFC 3501 6.4.8)')
    u, t = r.cmd('UID FETCH 5000:6000 UID')
    eq((u, t[:2]), ([], b'OK'), 'UID FETCH of absent UIDs: OK, nothing')
    r.bad('FETCH 4 UID', 'FETCH of a sequence number past the end')
    r.bad('FETCH 0 UID', 'FETCH 0')
    r.bad('FETCH 1 (UID', 'FETCH with an open list')
    r.bad('FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20'
          '.21.22.23.24.25.26.27.28.29.30.31.32.33.34.35.36.37.38.39.40]',
          'a deeply nested section')
    r.bad('FETCH 1 BODY[HEADER.FIELDS]', 'HEADER.FIELDS without a list')
    r.bad('FETCH 1 BODY[TEXT]<5>', 'a partial without a length')
    r.bad('FETCH 1 BOGUS', 'an unknown FETCH item')
    r.bad('FETCH 1 BODY[0]', 'section part 0')
    # SELECT: BODY[] sets \Seen and reports FLAGS; .PEEK and HEADER not.
    r.expect('SELECT Fetch', None, r'OK \[READ-WRITE\] .*')
    eq(items(fetch1(r, 'FETCH 1 (BODY.PEEK[HEADER] RFC822.HEADER '
                   'RFC822.SIZE)')),
       {'BODY[HEADER]': lit(M1.split(b'\r\n\r\n', 1)[0] + b'\r\n\r\n'),
        'RFC822.HEADER': lit(M1.split(b'\r\n\r\n', 1)[0] + b'\r\n\r\n'),
        'RFC822.SIZE': b'%d' % len(M1)}, '.PEEK and RFC822.HEADER: no \\Seen')
    u, _ = r.cmd('FETCH 1 FLAGS')
    eq(u, [b'* 1 FETCH (FLAGS ())'], 'still unseen after PEEK')
    f = fetch1(r, 'FETCH 1 BODY[1]')
    eq(f, b'(FLAGS (\\Seen) BODY[1] ' + lit(
        M1.split(b'\r\n\r\n', 1)[1]) + b')',
       'BODY[1] of a single-part message is its body; sets \\Seen')
    f = items(fetch1(r, 'FETCH 1 BODY[]'))
    eq(f.get('BODY[]'), lit(M1), 'BODY[] of an already seen message')
    eq(f.get('FLAGS', b'(\\Seen)'), b'(\\Seen)', 'its FLAGS, if sent')
    f = fetch1(r, 'FETCH 2 RFC822')
    eq(f, b'(FLAGS (\\Seen) RFC822 ' + lit(M2) + b')', 'RFC822 sets \\Seen')
    f = fetch1(r, 'FETCH 3 RFC822.TEXT')
    eq(f, b'(FLAGS (\\Seen) RFC822.TEXT ' + lit(M3.split(b'\r\n\r\n', 1)[1])
       + b')', 'RFC822.TEXT sets \\Seen')
    r.ok('STORE 1:3 -FLAGS.SILENT (\\Seen)')
    f = fetch1(r, 'FETCH 3 BINARY[]')
    eq(f, b'(FLAGS (\\Seen) BINARY[] ' + lit(M3) + b')',
       'BINARY[] sets \\Seen')
    r.close()


SEARCHES = [
    # key, sequence numbers of the Search folder (M1, M2, M3)
    ('ALL', '1 2 3'),
    ('1:*', '1 2 3'),
    ('2:*', '2 3'),
    ('*', '3'),
    ('1:4294967295', '1 2 3'),
    ('SUBJECT afternoon', '1'),
    ('SUBJECT "AFTERNOON MEETING"', '1'),
    ('CHARSET UTF-8 SUBJECT "grüße"', '2 3'),
    ('CHARSET UTF-8 FROM "Müller"', '2'),
    ('FROM foobar@blurdybloop.com', '1'),
    ('FROM zoe', '3'),
    ('TO mooch', '1 3'),
    ('TO "b@example.com"', '2'),
    ('CC w@v.u', '2'),
    ('BCC hidden', '3'),
    ('CHARSET UTF-8 BODY "café"', '2'),
    ('CHARSET UTF-8 BODY "STRASSE"', ''),
    ('CHARSET UTF-8 BODY "boxkämpfer"', '3'),
    ('BODY "inner html"', '2'),
    ('BODY "afternoon"', ''),
    ('TEXT "afternoon"', '1'),
    ('TEXT "hello joe"', '1'),
    ('HEADER Message-ID "<m2@"', '2'),
    ('HEADER X-Priority ""', '3'),
    ('HEADER X-Absent ""', ''),
    ('LARGER %d' % len(M1), '2 3'),
    ('SMALLER %d' % (len(M1) + 1), '1'),
    ('SENTBEFORE 8-Feb-1994', '1'),
    ('SENTON 8-Feb-1994', '2'),
    ('SENTSINCE 8-Feb-1994', '2 3'),
    ('BEFORE 8-Feb-1994', '1'),
    ('ON 08-Feb-1994', '2'),
    ('SINCE 9-Feb-1994', '3'),
    ('SEEN', '2'),
    ('UNSEEN', '1 3'),
    ('FLAGGED', '3'),
    ('UNFLAGGED', '1 2'),
    ('ANSWERED', '1'),
    ('UNANSWERED', '2 3'),
    ('DELETED', ''),
    ('UNDELETED', '1 2 3'),
    ('DRAFT', ''),
    ('UNDRAFT', '1 2 3'),
    ('KEYWORD $Forwarded', '2'),
    ('UNKEYWORD $Forwarded', '1 3'),
    ('KEYWORD nosuch', ''),
    ('RECENT', '1 2 3'),
    ('NEW', '1 3'),
    ('OLD', ''),
    ('NOT SEEN', '1 3'),
    ('OR SEEN FLAGGED', '2 3'),
    ('OR OR ANSWERED SEEN FLAGGED', '1 2 3'),
    ('(SEEN UNSEEN)', ''),
    ('(OR SEEN ANSWERED) NOT 1', '2'),
    ('UID %(u1)d:%(u2)d', '1 2'),
    ('UID *', '3'),
    ('2,1 UNSEEN', '1'),
    ('NOT NOT SEEN', '2'),
]


def sc_fetchmix():
    """FETCH of small and large messages together and apart: a batch of
    small files is read on the event loop, a large one on the thread
    pool; either way the bytes and the structure are the message's."""
    big = (b'Subject: big\r\n\r\n' +
           b''.join(b'line %06d ' % i + b'x' * 64 + b'\r\n'
                    for i in range(1100)))
    r = Raw('alice')
    setup_box(r, 'Mix', msgs=(M1, big, M3))
    r.expect('EXAMINE Mix', None, r'OK \[READ-ONLY\] .*')
    u, t = r.cmd('FETCH 1:3 (BODY.PEEK[])')
    check(t.startswith(b'OK'), 'FETCH 1:3: %r' % t)
    got = [x.split(b'{', 1)[1].split(b'}\r\n', 1)[1][:-1] for x in u
           if re.match(rb'\* \d+ FETCH ', x)]
    eq(len(got), 3, 'three responses')
    check(got[:1] == [M1] and got[1:2] == [big] and got[2:] == [M3],
          'one FETCH of 85 KB: each message byte for byte')
    for seq, m in ((1, M1), (3, M3), (2, big)):
        f = fetch1(r, 'FETCH %d (BODY.PEEK[])' % seq)
        eq(f, b'(BODY[] {%d}\r\n' % len(m) + m + b')',
           'FETCH %d alone: the message' % seq)
    body = big.split(b'\r\n\r\n', 1)[1]
    bs = (b'("text" "plain" ("CHARSET" "us-ascii") NIL NIL "7bit" %d %d '
          b'NIL NIL NIL NIL)' % (len(body), body.count(b'\n')))
    for _ in range(2):
        eq(fetch1(r, 'FETCH 2 (BODYSTRUCTURE)'), b'(BODYSTRUCTURE ' + bs +
           b')', 'BODYSTRUCTURE of the large message, computed and '
           'then remembered')
    # A header too long to be remembered (over 8 KB) is filtered from
    # the file each time.
    lit = lambda b: b'{%d}\r\n' % len(b) + b
    long_hdr = (b'Subject: long\r\n' +
                b''.join(b'X-Filler-%03d: ' % i + b'y' * 90 + b'\r\n'
                         for i in range(100)) +
                b'From: me@example.org\r\n\r\nbody\r\n')
    r.ok('SELECT Mix')
    r.append('Mix', long_hdr)
    r.ok('NOOP')
    for again in ('', ', again'):
        eq(fetch1(r, 'FETCH 4 (BODY.PEEK[HEADER.FIELDS (FROM subject)])'),
           b'(BODY[HEADER.FIELDS (FROM subject)] ' +
           lit(b'Subject: long\r\nFrom: me@example.org\r\n\r\n') + b')',
           'HEADER.FIELDS of a 10 KB header' + again)
    r.ok('LOGOUT')


def sc_search():
    r = Raw('alice')
    uids = setup_box(r, 'Search')
    r.expect('SELECT Search', None, r'OK \[READ-WRITE\] .*')
    r.ok('STORE 1 +FLAGS.SILENT (\\Answered)')
    r.ok('STORE 2 +FLAGS.SILENT (\\Seen $Forwarded)')
    r.ok('STORE 3 +FLAGS.SILENT (\\Flagged)')
    d = {'u1': uids[0], 'u2': uids[1]}
    for key, want in SEARCHES:
        key = key % d
        u, t = r.cmd('SEARCH ' + key)
        eq((u, t[:2]), ([('* SEARCH ' + want).strip().encode()], b'OK'),
           'SEARCH ' + key)
    u, _ = r.cmd('UID SEARCH SUBJECT multipart')
    eq(u, [b'* SEARCH %d %d' % (uids[1], uids[2])], 'UID SEARCH gives UIDs')
    # A literal for an 8-bit search string, as clients send it.
    s = 'BOXKÄMPFER'.encode()
    r.send(b'L1 SEARCH CHARSET UTF-8 TEXT {%d}\r\n' % len(s))
    check(r.resp().startswith(b'+ '), 'continuation for a search literal')
    r.send(s + b'\r\n')
    u, t = r.wait('L1')
    eq(u, [b'* SEARCH 3'], 'SEARCH with a UTF-8 literal')
    r.send(b'L2 SEARCH CHARSET UTF-8 BODY {6+}\r\nna\xc3\xafve\r\n')
    u, t = r.wait('L2')
    eq(u, [b'* SEARCH 2'], 'SEARCH with a LITERAL+ string')
    u, t = r.cmd('SEARCH CHARSET KOI9 ALL')
    match(rb'NO \[BADCHARSET( \(.*\))?\] .*', t, 'unknown charset')
    u, t = r.cmd('SEARCH CHARSET US-ASCII SUBJECT meeting')
    eq(u, [b'* SEARCH 1'], 'CHARSET US-ASCII')
    for bad in ('SEARCH', 'SEARCH BOGUS', 'SEARCH SUBJECT', 'SEARCH OR SEEN',
                'SEARCH (SEEN', 'SEARCH SINCE 32-Feb-1994',
                'SEARCH SINCE yesterday', 'SEARCH LARGER -1',
                'SEARCH LARGER x', 'SEARCH UID 0', 'SEARCH 1:0',
                'SEARCH 4294967296', 'SEARCH ' + '(' * 200 + 'ALL' + ')' * 200,
                'SEARCH ' + 'NOT ' * 500 + 'ALL'):
        r.bad(bad)
    r.close()


def sc_esearch():
    """ESEARCH (RFC 4731) and SEARCHRES (RFC 5182)."""
    r = Raw('alice')
    uids = setup_box(r, 'Esearch')
    r.expect('SELECT Esearch', None, r'OK .*')
    r.expect('SEARCH RETURN (MIN MAX COUNT ALL) ALL',
             [b'* ESEARCH (TAG "a%d") MIN 1 MAX 3 COUNT 3 ALL 1:3' % (r.n + 1)],
             'OK .*')
    r.expect('SEARCH RETURN () SUBJECT multipart',
             [b'* ESEARCH (TAG "a%d") ALL 2:3' % (r.n + 1)], 'OK .*',
             'RETURN () means ALL')
    r.expect('UID SEARCH RETURN (COUNT) ALL',
             [b'* ESEARCH (TAG "a%d") UID COUNT 3' % (r.n + 1)], 'OK .*')
    r.expect('UID SEARCH RETURN (MIN MAX) SUBJECT nothing',
             [b'* ESEARCH (TAG "a%d") UID' % (r.n + 1)], 'OK .*',
             'no match: MIN/MAX left out')
    r.expect('SEARCH RETURN (COUNT) SUBJECT nothing',
             [b'* ESEARCH (TAG "a%d") COUNT 0' % (r.n + 1)], 'OK .*')
    r.bad('SEARCH RETURN (BOGUS) ALL')
    # SEARCHRES: SAVE alone gives no ESEARCH; $ then stands for it.
    r.expect('SEARCH RETURN (SAVE) SUBJECT multipart', [], 'OK .*')
    r.expect('FETCH $ UID', [b'* 2 FETCH (UID %d)' % uids[1],
                             b'* 3 FETCH (UID %d)' % uids[2]], 'OK .*')
    r.expect('SEARCH $', [b'* SEARCH 2 3'], 'OK .*')
    r.expect('SEARCH RETURN (SAVE MIN) ALL',
             [b'* ESEARCH (TAG "a%d") MIN 1' % (r.n + 1)], 'OK .*')
    # RFC 5182 2.1: SAVE with MIN saves only the minimum.
    r.expect('UID FETCH $ UID', [b'* 1 FETCH (UID %d)' % uids[0]], 'OK .*',
             'SAVE with MIN saves the minimum')
    r.expect('UID SEARCH RETURN (SAVE) UID %d:%d' % (uids[1], uids[2]), [],
             'OK .*')
    r.expect('UID STORE $ +FLAGS (\\Flagged)',
             [b'* 2 FETCH (FLAGS (\\Flagged) UID %d)' % uids[1],
              b'* 3 FETCH (FLAGS (\\Flagged) UID %d)' % uids[2]], 'OK .*')
    r.ok('UID COPY $ INBOX')
    r.expect('SEARCH RETURN (SAVE) SUBJECT nothing', [], 'OK .*')
    r.expect('FETCH $ UID', [], 'OK .*', 'an empty saved result')
    r.close()
    r = Raw('alice')
    r.ok('SELECT Esearch')
    r.expect('FETCH $ UID', [], '(OK|BAD) .*',
             '$ before any SAVE is empty (RFC 5182 2.1)')
    r.close()


def sc_store():
    r = Raw('alice')
    uids = setup_box(r, 'Store')
    r.expect('SELECT Store', None, r'OK \[READ-WRITE\] .*')
    r.expect('STORE 1 +FLAGS (\\Flagged)',
             [b'* 1 FETCH (FLAGS (\\Flagged))'], 'OK .*')
    r.expect('STORE 1:2 +FLAGS (\\Seen \\Answered)',
             [b'* 1 FETCH (FLAGS (\\Answered \\Flagged \\Seen))',
              b'* 2 FETCH (FLAGS (\\Answered \\Seen))'], 'OK .*')
    r.expect('STORE 1 -FLAGS (\\Answered)',
             [b'* 1 FETCH (FLAGS (\\Flagged \\Seen))'], 'OK .*')
    r.expect('STORE 2 FLAGS (\\Draft)',
             [b'* 2 FETCH (FLAGS (\\Draft))'], 'OK .*')
    r.expect('STORE 2 FLAGS ()', [b'* 2 FETCH (FLAGS ())'], 'OK .*')
    r.expect('STORE 1:* +FLAGS.SILENT (\\Deleted)', [], 'OK .*',
             '.SILENT sends no FETCH')
    r.expect('STORE 1:* -FLAGS.SILENT (\\Deleted)', [], 'OK .*')
    r.expect('UID STORE %d +FLAGS \\Seen' % uids[2],
             [b'* 3 FETCH (FLAGS (\\Seen) UID %d)' % uids[2]], 'OK .*',
             'UID STORE with a single flag, not a list')
    # A new keyword: FLAGS and PERMANENTFLAGS say so (RFC 3501 7.2.6).
    u, t = r.cmd('STORE 3 +FLAGS (Work $Label1)')
    match(rb'OK .*', t, 'STORE a keyword')
    check(b'* 3 FETCH (FLAGS (\\Seen Work $Label1))' in u or
          b'* 3 FETCH (FLAGS (\\Seen $Label1 Work))' in u,
          'FETCH shows keywords: %r' % u)
    check(any(x.startswith(b'* FLAGS (') and b'Work' in x for x in u),
          'an untagged FLAGS names the new keyword: %r' % u)
    r.expect('SEARCH KEYWORD work', [b'* SEARCH 3'], 'OK .*',
             'keywords match case-insensitively')
    r.expect('STORE 3 -FLAGS (work $label1)',
             [b'* 3 FETCH (FLAGS (\\Seen))'], 'OK .*')
    r.bad('STORE 1 +FLAGS (\\Bogus)', 'an unknown system flag')
    r.bad('STORE 1 +FLAGS (a]b)', 'a keyword with a ]')
    r.bad('STORE 1 BOGUS (\\Seen)')
    r.bad('STORE 1 +FLAGS (\\Seen', 'an open flag list')
    r.bad('STORE 9 +FLAGS (\\Seen)', 'STORE past the end')
    r.norecent = False
    before, _ = r.cmd('FETCH 2 FLAGS')
    u, t = r.cmd('STORE 2 -FLAGS (\\Recent)')
    check(t.startswith(b'BAD') or t.startswith(b'OK'),
          'STORE \\Recent: BAD or ignored, %r' % t)
    u, _ = r.cmd('FETCH 2 FLAGS')
    eq(u, before, '\\Recent cannot be changed by STORE')
    r.norecent = True
    r.expect('UID STORE 999999 +FLAGS (\\Seen)', [], 'OK .*',
             'UID STORE of absent UIDs: OK, nothing')
    r.close()
    # EXAMINE: STORE is refused.
    r = Raw('alice')
    r.ok('EXAMINE Store')
    u, t = r.cmd('STORE 1 +FLAGS (\\Deleted)')
    check(t.startswith(b'NO'), 'STORE on a read-only folder is NO: %r' % t)
    r.close()


def sc_condstore():
    """CONDSTORE (RFC 7162 section 3.1)."""
    r = Raw('alice')
    uids = setup_box(r, 'Cond')
    r.ok('CREATE CondEmpty')
    u, t = r.cmd('SELECT CondEmpty (CONDSTORE)')
    hm = [x for x in u if b'HIGHESTMODSEQ' in x]
    match(rb'\* OK \[HIGHESTMODSEQ [1-9]\d*\] .*', hm[0] if hm else b'',
          'an empty folder has a HIGHESTMODSEQ of at least 1')
    u, _ = r.cmd('STATUS Cond (HIGHESTMODSEQ)')
    match(rb'\* STATUS Cond \(HIGHESTMODSEQ [1-9]\d*\)', u[0] if u else b'',
          'STATUS HIGHESTMODSEQ')
    u, t = r.cmd('SELECT Cond (CONDSTORE)')
    hm = [x for x in u if b'HIGHESTMODSEQ' in x]
    m = re.match(rb'\* OK \[HIGHESTMODSEQ (\d+)\]', hm[0] if hm else b'')
    check(m, 'SELECT (CONDSTORE) gives HIGHESTMODSEQ: %r' % u)
    high = int(m.group(1)) if m else 0
    u, _ = r.cmd('FETCH 1:* (MODSEQ)')
    mods = [int(re.search(rb'MODSEQ \((\d+)\)', x).group(1)) for x in u]
    eq(len(mods), 3, 'MODSEQ for each message')
    eq(max(mods) if mods else 0, high, 'HIGHESTMODSEQ is the largest MODSEQ')
    u, _ = r.cmd('STORE 1 +FLAGS (\\Seen)')
    m = re.match(rb'\* 1 FETCH \(FLAGS \(\\Seen\) MODSEQ \((\d+)\)\)',
                 u[0] if u else b'')
    check(m and int(m.group(1)) > high, 'STORE raises MODSEQ, sends it: %r'
          % u)
    m1 = int(m.group(1)) if m else 0
    r.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % high,
             [b'* 1 FETCH (FLAGS (\\Seen) MODSEQ (%d))' % m1], 'OK .*',
             'CHANGEDSINCE returns only changed messages, with MODSEQ')
    r.expect('UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % m1, [], 'OK .*')
    # UNCHANGEDSINCE: messages changed since fail, others are stored.
    r.expect('STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)' % high,
             [r'\* 2 FETCH \(FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)',
              r'\* 3 FETCH \(FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)'],
             r'OK \[MODIFIED 1\] .*', 'STORE UNCHANGEDSINCE: [MODIFIED 1]')
    r.expect('UID STORE %d (UNCHANGEDSINCE 0) +FLAGS (\\Seen)' % uids[1], [],
             r'OK \[MODIFIED %d\] .*' % uids[1],
             'UNCHANGEDSINCE 0 always fails, UID variant gives the UID')
    u, t = r.cmd('SEARCH MODSEQ %d' % (m1 + 1))
    match(rb'\* SEARCH 2 3 \(MODSEQ \d+\)', u[0] if u else b'',
          'SEARCH MODSEQ gives the highest MODSEQ of the matches')
    r.expect('SEARCH MODSEQ 999999999', [b'* SEARCH'], 'OK .*')
    r.expect('SEARCH RETURN (ALL) MODSEQ 1',
             [r'\* ESEARCH \(TAG "a\d+"\) ALL 1:3 MODSEQ \d+'], 'OK .*')
    r.bad('FETCH 1 (FLAGS) (CHANGEDSINCE x)')
    r.bad('STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)')
    r.close()


def sc_qresync():
    """QRESYNC (RFC 7162 section 3.2): SELECT with known state, VANISHED."""
    r = Raw('alice')
    uids = setup_box(r, 'Qr', (M1, M2, M3, M1, M2))
    u, _ = r.cmd('SELECT Qr (CONDSTORE)')
    uv = int(re.search(rb'UIDVALIDITY (\d+)', b' '.join(u)).group(1))
    high = int(re.search(rb'HIGHESTMODSEQ (\d+)', b' '.join(u)).group(1))
    r.ok('STORE 2,4 +FLAGS (\\Deleted)')
    r.ok('STORE 5 +FLAGS (\\Seen)')
    r.ok('EXPUNGE')
    r.bad('SELECT Qr (QRESYNC (%d %d))' % (uv, high),
          'QRESYNC parameter before ENABLE QRESYNC')
    r.expect('ENABLE QRESYNC', [b'* ENABLED QRESYNC'], 'OK .*')
    u, t = r.cmd('SELECT Qr (QRESYNC (%d %d %d:%d))' % (uv, high, uids[0],
                                                        uids[4]))
    match(rb'OK \[READ-WRITE\] .*', t, 'SELECT QRESYNC')
    # RFC 7162 3.2.5.1: OK [CLOSED] for the folder selected before.
    check(u and u[0].startswith(b'* OK [CLOSED]'),
          'first OK [CLOSED] when a folder was selected: %r' % u[:1])
    eq([x for x in u if b'VANISHED' in x],
       [b'* VANISHED (EARLIER) %d,%d' % (uids[1], uids[3])],
       'VANISHED (EARLIER) for the UIDs expunged since')
    eq([x for x in u if b'FETCH' in x],
       [b'* 3 FETCH (UID %d FLAGS (\\Seen) MODSEQ (%s))' % (
           uids[4], re.search(rb'UID %d FLAGS \(\\Seen\) MODSEQ \((\d+)\)'
                              % uids[4], b' '.join(u)).group(1)
           if b'UID %d' % uids[4] in b' '.join(u) else b'?')],
       'FETCH for the message changed since')
    # An unknown UIDVALIDITY: a plain SELECT.
    u, _ = r.cmd('SELECT Qr (QRESYNC (%d %d))' % (uv + 1, high))
    check(not any(b'VANISHED' in x or b'FETCH' in x for x in u),
          'wrong UIDVALIDITY: no VANISHED or FETCH: %r' % u)
    # EXPUNGE is VANISHED once QRESYNC is on.
    high2 = int(re.search(rb'HIGHESTMODSEQ (\d+)', b' '.join(u)).group(1))
    r.ok('STORE 1 +FLAGS.SILENT (\\Deleted)')
    r.expect('EXPUNGE', [b'* VANISHED %d' % uids[0]], 'OK .*',
             'VANISHED instead of EXPUNGE')
    r.expect('UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % high2,
             [b'* VANISHED (EARLIER) %d' % uids[0]], 'OK .*',
             'UID FETCH CHANGEDSINCE VANISHED')
    r.bad('FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % high2,
          'VANISHED without UID')
    r.ok('UNSELECT')
    r.close()


def sc_copymove():
    """COPY and MOVE with COPYUID (RFC 4315, RFC 6851)."""
    r = Raw('alice')
    uids = setup_box(r, 'Src')
    r.ok('CREATE Dst')
    u, _ = r.cmd('STATUS Dst (UIDVALIDITY UIDNEXT)')
    duv = int(re.search(rb'UIDVALIDITY (\d+)', u[0]).group(1))
    dnext = int(re.search(rb'UIDNEXT (\d+)', u[0]).group(1))
    r.ok('SELECT Src')
    r.ok('STORE 1 +FLAGS.SILENT (\\Flagged kw1)')
    r.expect('COPY 1:2 Dst', [], r'OK \[COPYUID %d %d:%d %d:%d\] .*' % (
        duv, uids[0], uids[1], dnext, dnext + 1), 'COPY with COPYUID')
    r.expect('UID COPY %d,%d Dst' % (uids[2], uids[0]), [],
             r'OK \[COPYUID %d %d,%d %d:%d\] .*' % (
                 duv, uids[0], uids[2], dnext + 2, dnext + 3),
             'UID COPY: COPYUID pairs in UID order')
    r.expect('COPY 1 NoSuch', [], r'NO \[TRYCREATE\] .*')
    r.expect('MOVE 1 NoSuch', [], r'NO \[TRYCREATE\] .*')
    r.expect('UID COPY 99999 Dst', [], 'OK.*', 'UID COPY of absent UIDs')
    r.bad('COPY 9 Dst', 'COPY past the end')
    u, t = r.cmd('STATUS Dst (MESSAGES)')
    eq(u, [b'* STATUS Dst (MESSAGES 4)'], 'four copies in Dst')
    r.ok('EXAMINE Dst')
    u, _ = r.cmd('FETCH 1 (FLAGS BODY.PEEK[])')
    eq(u, [b'* 1 FETCH (FLAGS (\\Flagged kw1) BODY[] {%d}\r\n%s)'
           % (len(M1), M1)], 'COPY keeps flags, keywords and bytes')
    r.ok('SELECT Src')
    # RFC 6851 section 4.3's example order: untagged OK [COPYUID] first,
    # then the EXPUNGEs, then the tagged OK.
    u, t = r.expect('MOVE 2:3 Dst', None, 'OK .*', 'MOVE')
    eq(u[:1], [b'* OK [COPYUID %d %d:%d %d:%d] Moved UIDs.' % (
        duv, uids[1], uids[2], dnext + 4, dnext + 5)], 'MOVE COPYUID first')
    check(u[1:] in ([b'* 3 EXPUNGE', b'* 2 EXPUNGE'],
                    [b'* 2 EXPUNGE', b'* 2 EXPUNGE']),
          'MOVE then expunges 2 and 3: %r' % u[1:])
    r.expect('UID MOVE %d Dst' % uids[0], [
        r'\* OK \[COPYUID %d %d %d\] .*' % (duv, uids[0], dnext + 6),
        b'* 1 EXPUNGE'], 'OK .*', 'UID MOVE')
    r.expect('FETCH 1:* UID', [], '(OK|BAD) .*', 'Src is empty')
    r.ok('SELECT Dst')
    u, t = r.cmd('MOVE 1 Dst')
    check(t.startswith(b'NO') or t.startswith(b'OK'), 'MOVE to itself %r'
          % t)
    r.ok('EXAMINE Dst')
    u, t = r.cmd('MOVE 1 Src')
    check(t.startswith(b'NO'), 'MOVE from a read-only folder is NO: %r' % t)
    r.close()


def sc_append():
    """APPEND and MULTIAPPEND (RFC 3502), APPENDUID, TRYCREATE, TOOBIG."""
    r = Raw('alice')
    r.ok('CREATE Ap')
    u, _ = r.cmd('STATUS Ap (UIDVALIDITY UIDNEXT)')
    uv = int(re.search(rb'UIDVALIDITY (\d+)', u[0]).group(1))
    nxt = int(re.search(rb'UIDNEXT (\d+)', u[0]).group(1))
    uid = r.append('Ap', M1, flags='\\Seen \\Draft kw',
                   date='31-Dec-1999 23:59:58 -0130')
    eq(uid, nxt, 'APPENDUID is UIDNEXT')
    r.ok('EXAMINE Ap')
    f = items(fetch1(r, 'FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE '
                     'BODY.PEEK[])'))
    eq((f.get('FLAGS'), f.get('RFC822.SIZE'), f.get('BODY[]')),
       (b'(\\Seen \\Draft kw)', b'%d' % len(M1),
        b'{%d}\r\n%s' % (len(M1), M1)),
       'APPEND keeps flags and exact bytes')
    # The same instant; the server may show it in another zone.
    check(f.get('INTERNALDATE') in (b'"31-Dec-1999 23:59:58 -0130"',
                                    b'" 1-Jan-2000 01:29:58 +0000"',
                                    b'"01-Jan-2000 01:29:58 +0000"'),
          'APPEND keeps the date: %r' % f.get('INTERNALDATE'))
    # LITERAL+ and MULTIAPPEND: one command, two messages, one set.
    r.send(b'm1 APPEND Ap (\\Flagged) {%d+}\r\n%s {%d+}\r\n%s\r\n' % (
        len(M2), M2, len(M3), M3))
    u, t = r.wait('m1')
    eq(t[:len('OK [APPENDUID')], b'OK [APPENDUID', 'MULTIAPPEND')
    eq(re.match(rb'OK \[APPENDUID (\d+) (\S+)\]', t).groups(),
       (b'%d' % uv, b'%d:%d' % (nxt + 1, nxt + 2)),
       'MULTIAPPEND APPENDUID covers both')
    u2, _ = r.cmd('NOOP')
    eq([x for x in u + u2 if x.endswith(b'EXISTS')], [b'* 3 EXISTS'],
       'EXISTS for the APPEND to the EXAMINEd folder, once')
    u, _ = r.cmd('FETCH 2:3 (FLAGS RFC822.SIZE)')
    eq(u, [b'* 2 FETCH (FLAGS (\\Flagged) RFC822.SIZE %d)' % len(M2),
           b'* 3 FETCH (FLAGS () RFC822.SIZE %d)' % len(M3)],
       'MULTIAPPEND flags apply to their own message only')
    # APPEND to the selected folder: EXISTS before the tagged OK.
    r.ok('SELECT Ap')
    r.send(b'm2 APPEND Ap {%d+}\r\n%s\r\n' % (len(M1), M1))
    u, t = r.wait('m2')
    match(rb'OK \[APPENDUID %d %d\] .*' % (uv, nxt + 3), t, 'APPEND')
    eq([x for x in u if x.endswith(b'EXISTS')], [b'* 4 EXISTS'],
       'EXISTS for an APPEND to the selected folder')
    # A synchronizing literal for a folder that does not exist: NO
    # [TRYCREATE] instead of the continuation (RFC 3501 6.3.11).
    r.send(b'm3 APPEND NoSuch {5}\r\n')
    l = r.resp()
    match(rb'm3 NO \[TRYCREATE\] .*', l, 'APPEND to a missing folder')
    r.send(b'm4 APPEND NoSuch {5+}\r\nhello\r\n')
    u, t = r.wait('m4')
    match(rb'NO \[TRYCREATE\] .*', t, 'LITERAL+ APPEND to a missing folder')
    r.alive('a refused LITERAL+ APPEND')
    # Over APPENDLIMIT: TOOBIG before the continuation; a LITERAL+ one is
    # read and thrown away and the session goes on.
    big = 200000
    r.send(b'm5 APPEND Ap {%d}\r\n' % big)
    match(rb'm5 NO \[TOOBIG\] .*', r.resp(), 'APPEND over APPENDLIMIT')
    r.send(b'm6 APPEND Ap {%d+}\r\n' % big + b'x' * big + b'\r\n')
    u, t = r.wait('m6')
    match(rb'NO \[TOOBIG\] .*', t, 'LITERAL+ APPEND over APPENDLIMIT')
    r.alive('an APPEND over the limit')
    r.send(b'm7 APPEND Ap {99999999999999999999}\r\n')
    check(r.resp().startswith(b'm7 '), 'a huge literal is refused')
    r.alive('a huge literal')
    # literal8 (RFC 3516): a NUL byte in an APPENDed message.
    msg = b'Subject: nul\r\n\r\na\0b\r\n'
    r.send(b'm8 APPEND Ap ~{%d+}\r\n%s\r\n' % (len(msg), msg))
    u, t = r.wait('m8')
    match(rb'OK \[APPENDUID .*', t, 'APPEND of a literal8')
    u, _ = r.cmd('FETCH * BINARY.PEEK[]')
    eq(u, [b'* 5 FETCH (BINARY[] ~{%d}\r\n%s)' % (len(msg), msg)],
       'the literal8 comes back byte for byte')
    # Zero-length, bad flags, bad dates, missing literal.
    r.send(b'm9 APPEND Ap {0+}\r\n\r\n')
    u, t = r.wait('m9')
    check(t.startswith(b'NO') or t.startswith(b'BAD'),
          'an empty message is refused: %r' % t)
    r.bad('APPEND Ap (\\Bogus) {1+}\r\nx', 'APPEND with \\Bogus')
    r.bad('APPEND Ap "32-Jan-2000 00:00:00 +0000" {1+}\r\nx',
          'APPEND with a bad date')
    r.bad('APPEND Ap', 'APPEND without a message')
    r.bad('APPEND Ap (\\Seen)', 'APPEND with flags and no message')
    u, _ = r.cmd('STATUS Ap (MESSAGES)')
    eq(u, [b'* STATUS Ap (MESSAGES 5)'], 'no stray messages')
    # Nothing left in tmp/ is checked by the shell script.
    r.close()
    m = imaplib.IMAP4(HOST, PORT)
    m.login('alice', 'x')
    typ, data = m.append('Ap', '(\\Seen)', None, M1)
    eq(typ, 'OK', 'imaplib APPEND')
    m.logout()


def sc_mailbox():
    """CREATE, DELETE, RENAME, SUBSCRIBE; INBOX rules; names."""
    r = Raw('alice')
    r.expect('CREATE Mb', [], 'OK .*')
    r.expect('CREATE Mb', [], r'NO \[ALREADYEXISTS\] .*')
    r.expect('CREATE mb', [], 'OK .*', 'names other than INBOX are '
             'case-sensitive')
    r.expect('CREATE Mb/Sub/', [], 'OK .*', 'a trailing separator')
    r.expect('CREATE Deep/er/est', [], 'OK .*',
             'CREATE makes the missing superiors (RFC 3501 6.3.3)')
    r.expect('LIST "" Deep*', [
        b'* LIST (\\HasChildren) "/" Deep',
        b'* LIST (\\HasChildren) "/" Deep/er',
        b'* LIST (\\HasNoChildren) "/" Deep/er/est'], 'OK .*')
    r.expect('CREATE INBOX', [], r'NO( \[ALREADYEXISTS\])? .*')
    r.expect('CREATE iNbOx', [], r'NO( \[ALREADYEXISTS\])? .*',
             'INBOX in any case exists')
    r.expect('DELETE inbox', [], 'NO .*', 'INBOX cannot be deleted')
    r.expect('DELETE NoSuch', [], r'NO \[NONEXISTENT\] .*')
    r.expect('SELECT NoSuch', [], r'NO \[NONEXISTENT\] .*')
    r.expect('RENAME NoSuch Other', [], r'NO \[NONEXISTENT\] .*')
    r.expect('RENAME Mb mb', [], r'NO \[ALREADYEXISTS\] .*')
    r.expect('RENAME Mb INBOX', [], r'NO .*')
    # Modified UTF-7 (RFC 3501 5.1.3) both ways.
    r.expect('CREATE "Entw&APw-rfe"', [], 'OK .*')
    r.expect('LIST "" Entw*', [b'* LIST (\\HasNoChildren) "/" Entw&APw-rfe'],
             'OK .*', 'mUTF-7 name listed as created')
    r.expect('CREATE "&ZeVnLIqe-/&U,BTFw-"', [], 'OK .*', 'CJK names')
    r.expect('LIST "" "&ZeVnLIqe-/*"',
             [b'* LIST (\\HasNoChildren) "/" &ZeVnLIqe-/&U,BTFw-'], 'OK .*')
    for bad in ('&Jjo', '&Jjo!', '&AGE-', '&-&', 'a&', '&ZeVnLIqe',
                '&AAA-', '&2D3-'):
        r.expect('CREATE "%s"' % bad, [], r'NO \[CANNOT\] .*',
                 'invalid modified UTF-7 %r' % bad)
    for bad in ('../x', 'a/../b', '..', '.hidden', 'a/.', '/abs', 'a//b',
                '~bob/INBOX', 'a\x7fb'):
        u, t = r.cmd('CREATE "%s"' % bad)
        check(t.startswith(b'NO [CANNOT]') or (
            bad == '~bob/INBOX' and t.startswith(b'OK')),
              'CREATE %r: %r' % (bad, t))
    r.bad(b'CREATE "a\x00b"', 'a NUL in a name')
    u, t = r.cmd(b'CREATE "a\rb"')
    check(t[:3] in (b'BAD', b'NO '), 'a CR in a quoted name: %r' % t)
    u, t = r.cmd(b'CREATE "\xc3\xa9t\xc3\xa9"')
    check(t.startswith(b'NO') or t.startswith(b'BAD'),
          '8-bit name without UTF8=ACCEPT: %r' % t)
    # Another user's folders are not reachable.
    for name in ('../bob', '../../mail/bob', '~bob/INBOX/..', '/bob',
                 '#user/bob', '%2e%2e/bob', 'bob/../../bob',
                 '..%2fbob'):
        u, t = r.cmd('SELECT "%s"' % name)
        check(t.startswith(b'NO'), 'SELECT %r: %r' % (name, t))
    # RENAME a folder with children renames them too.
    r.ok('CREATE Ren/A/B')
    r.ok('SUBSCRIBE Ren/A')
    r.expect('RENAME Ren Moved', [], 'OK .*')
    r.expect('LIST "" Moved*', [
        b'* LIST (\\HasChildren) "/" Moved',
        b'* LIST (\\HasChildren) "/" Moved/A',
        b'* LIST (\\HasNoChildren) "/" Moved/A/B'], 'OK .*',
        'children move with their parent')
    r.expect('LIST "" Ren*', [], 'OK .*', 'old names are gone')
    r.expect('RENAME Moved/A/B Moved2/X', [], 'OK .*',
             'RENAME creates missing superiors')
    r.expect('LIST "" Moved2*', [b'* LIST (\\HasChildren) "/" Moved2',
                                 b'* LIST (\\HasNoChildren) "/" Moved2/X'],
             'OK .*')
    # RENAME INBOX (RFC 3501 6.3.5): messages move, INBOX stays, empty.
    r.append('INBOX', M1)
    r.append('INBOX', M2)
    u, _ = r.cmd('STATUS INBOX (MESSAGES)')
    n = int(re.search(rb'MESSAGES (\d+)', u[0]).group(1))
    r.expect('RENAME INBOX Old-Inbox', [], 'OK .*')
    u, _ = r.cmd('STATUS INBOX (MESSAGES)')
    eq(u, [b'* STATUS INBOX (MESSAGES 0)'], 'INBOX is empty after RENAME')
    u, _ = r.cmd('STATUS Old-Inbox (MESSAGES)')
    eq(u, [b'* STATUS Old-Inbox (MESSAGES %d)' % n], 'its messages moved')
    u, _ = r.cmd('LIST "" INBOX*')
    check(b'* LIST (\\HasChildren) "/" INBOX' in u or
          b'* LIST (\\HasNoChildren) "/" INBOX' in u, 'INBOX still exists')
    # DELETE of a folder with children: its name stays (\Noselect) or
    # the children stay reachable.
    r.ok('CREATE Par/Child')
    u, t = r.cmd('DELETE Par')
    if t.startswith(b'OK'):
        u, _ = r.cmd('LIST "" Par/*')
        eq(u, [b'* LIST (\\HasNoChildren) "/" Par/Child'],
           'the child survives its parent')
        u, _ = r.cmd('LIST "" %')
        check(any(x.endswith(b' Par') and b'\\Noselect' in x or
                  b'\\NonExistent' in x for x in u if x.endswith(b' Par')),
              'the parent is listed \\Noselect or \\NonExistent with %%: %r'
              % [x for x in u if b'Par' in x])
        r.expect('SELECT Par', [], 'NO .*', 'a deleted parent')
    else:
        check(t.startswith(b'NO'), 'DELETE of a parent: %r' % t)
    # SELECT of the deleted folder ends the selection.
    r.ok('CREATE Gone')
    r.ok('SELECT Gone')
    u, t = r.cmd('DELETE Gone')
    check(t.startswith(b'OK') or t.startswith(b'NO'), 'DELETE the selected')
    # SUBSCRIBE / UNSUBSCRIBE / LSUB.
    r.expect('SUBSCRIBE Mb', [], 'OK .*')
    r.expect('SUBSCRIBE NotThere', [], '(OK|NO) .*')
    r.expect('LSUB "" Mb', [b'* LSUB () "/" Mb'], 'OK .*')
    r.expect('UNSUBSCRIBE Mb', [], 'OK .*')
    r.expect('LSUB "" Mb', [], 'OK .*')
    r.expect('UNSUBSCRIBE Mb', [], '(OK|NO) .*')
    r.close()


def sc_utf8():
    """UTF8=ACCEPT (RFC 6855): names in UTF-8 on the wire once enabled,
    and APPEND's UTF8 (literal8) form."""
    r = Raw('alice')
    r.expect('CREATE "&AMk-t&AOk-"', [], 'OK .*')
    r.expect('LIST "" "&AMk-t*"', [b'* LIST (\\HasNoChildren) "/" &AMk-t&AOk-'],
             'OK .*', 'modified UTF-7 before ENABLE')
    msg = 'Subject: Gr\u00fc\u00dfe\r\n\r\nbody\r\n'.encode()
    r.bad(b'APPEND INBOX UTF8 (~{%d+}\r\n' % len(msg) + msg + b')',
          'APPEND UTF8 before ENABLE UTF8=ACCEPT')
    r.expect('ENABLE UTF8=ACCEPT', [b'* ENABLED UTF8=ACCEPT'], 'OK .*')
    r.expect('LIST "" "\u00c9t*"', ['* LIST (\\HasNoChildren) "/" '
             '"\u00c9t\u00e9"'.encode()], 'OK .*', 'UTF-8 after ENABLE')
    r.expect('CREATE "\u00dcbersicht"', [], 'OK .*', 'CREATE with a UTF-8 name')
    r.expect('LIST "" "&ANw-*"', [], 'OK .*',
             'modified UTF-7 is not decoded once UTF-8 is on')
    u, t = r.cmd(b'APPEND "\xc3\x9cbersicht" UTF8 (~{%d+}\r\n' % len(msg)
                 + msg + b')')
    match(r'OK \[APPENDUID \d+ 1\] .*', t, 'APPEND UTF8 (literal8)')
    r.expect('SELECT "\u00dcbersicht"', None, 'OK .*')
    u, t = r.cmd('FETCH 1 BODY.PEEK[]')
    check(msg in b''.join(u), 'the UTF-8 message stored as sent: %r' % u)
    r.cmd('LOGOUT')
    other = Raw('alice')
    other.expect('LIST "" "&ANw-*"', [b'* LIST (\\HasNoChildren) "/" '
                 b'&ANw-bersicht'], 'OK .*',
                 'a session without UTF8=ACCEPT sees modified UTF-7')
    other.cmd('LOGOUT')


def sc_list():
    """LIST/LSUB patterns, LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
    SPECIAL-USE (RFC 6154), CHILDREN (RFC 3348)."""
    r = Raw('bob')
    for n in ('Lst/a', 'Lst/b/c', 'Lst/b/d', 'Lstx'):
        r.ok('CREATE ' + n)
    r.ok('SUBSCRIBE Lst/b/c')
    r.ok('SUBSCRIBE Lstx')
    hc, hn = b'\\HasChildren', b'\\HasNoChildren'
    L = lambda attrs, name: b'* LIST (%s) "/" %s' % (attrs, name)
    r.expect('LIST "" Lst*', [L(hc, b'Lst'), L(hn, b'Lst/a'), L(hc, b'Lst/b'),
                              L(hn, b'Lst/b/c'), L(hn, b'Lst/b/d'),
                              L(hn, b'Lstx')], 'OK .*', 'LIST *')
    r.expect('LIST "" Lst%', [L(hc, b'Lst'), L(hn, b'Lstx')], 'OK .*',
             'LIST %')
    r.expect('LIST "" Lst/%', [L(hn, b'Lst/a'), L(hc, b'Lst/b')], 'OK .*')
    r.expect('LIST Lst/ %', [L(hn, b'Lst/a'), L(hc, b'Lst/b')], 'OK .*',
             'reference joined to the pattern')
    r.expect('LIST "" Lst/%/c', [L(hn, b'Lst/b/c')], 'OK .*')
    r.expect('LIST "" "lst"', [], 'OK .*', 'case-sensitive names')
    r.expect('LIST "" inBOX', [L(hn, b'INBOX')], 'OK .*',
             'INBOX matches in any case, listed as INBOX')
    r.expect('LIST "" ""', [b'* LIST (\\Noselect) "/" ""'], 'OK .*',
             'the hierarchy delimiter (RFC 3501 6.3.8)')
    r.expect('LIST "" NoSuch*', [], 'OK .*')
    u, _ = r.cmd('LIST "" %')
    names = [x.rsplit(b' ', 1)[1] for x in u]
    eq(names[0] if names else None, b'INBOX', 'INBOX comes first')
    for n, use in ((b'Drafts', b'\\Drafts'), (b'Sent', b'\\Sent'),
                   (b'Trash', b'\\Trash'), (b'Junk', b'\\Junk'),
                   (b'Archive', b'\\Archive')):
        check(L(hn + b' ' + use, n) in u, 'special-use %s: %r' % (n, u))
    r.expect('LIST (SPECIAL-USE) "" *', [
        L(hn + b' \\Archive', b'Archive'), L(hn + b' \\Drafts', b'Drafts'),
        L(hn + b' \\Junk', b'Junk'), L(hn + b' \\Sent', b'Sent'),
        L(hn + b' \\Trash', b'Trash')], 'OK .*', 'LIST (SPECIAL-USE)')
    r.expect('LIST "" Drafts RETURN (SPECIAL-USE)',
             [L(hn + b' \\Drafts', b'Drafts')], 'OK .*')
    # LSUB: % gives unsubscribed parents as \Noselect (RFC 3501 6.3.9).
    r.expect('LSUB "" Lst*', [b'* LSUB () "/" Lst/b/c', b'* LSUB () "/" Lstx'],
             'OK .*')
    r.expect('LSUB "" Lst%', [b'* LSUB (\\Noselect) "/" Lst',
                              b'* LSUB () "/" Lstx'], 'OK .*')
    # LIST-EXTENDED.
    r.expect('LIST (SUBSCRIBED) "" Lst*', [
        L(hn + b' \\Subscribed', b'Lst/b/c'),
        L(hn + b' \\Subscribed', b'Lstx')], 'OK .*', 'LIST (SUBSCRIBED)')
    r.expect('LIST (SUBSCRIBED RECURSIVEMATCH) "" Lst%', [
        L(hc, b'Lst') + b' ("CHILDINFO" ("SUBSCRIBED"))',
        L(hn + b' \\Subscribed', b'Lstx')], 'OK .*', 'RECURSIVEMATCH')
    r.bad('LIST (RECURSIVEMATCH) "" *', 'RECURSIVEMATCH alone (RFC 5258)')
    r.expect('LIST "" (Lstx Lst/a)', [L(hn, b'Lst/a'), L(hn, b'Lstx')],
             'OK .*', 'several patterns')
    r.expect('LIST "" Lst/b RETURN (CHILDREN)', [L(hc, b'Lst/b')], 'OK .*')
    r.expect('LIST "" Lstx RETURN (SUBSCRIBED)',
             [L(hn + b' \\Subscribed', b'Lstx')], 'OK .*')
    r.expect('LIST "" Lst/a RETURN ()', [L(hn, b'Lst/a')], 'OK .*')
    r.bad('LIST "" * RETURN (BOGUS)')
    r.bad('LIST (BOGUS) "" *')
    # LIST-STATUS: STATUS right after each selectable LIST.
    r.append('Lstx', M1)
    r.expect('LIST "" Lst% RETURN (STATUS (MESSAGES UNSEEN SIZE))', [
        L(hc, b'Lst'), b'* STATUS Lst (MESSAGES 0 UNSEEN 0 SIZE 0)',
        L(hn, b'Lstx'), b'* STATUS Lstx (MESSAGES 1 UNSEEN 1 SIZE %d)'
        % len(M1)], 'OK .*', 'LIST-STATUS')
    r.ok('CREATE "Entw&APw-rfe"')
    r.expect('LIST "" Entw*', [L(hn, b'Entw&APw-rfe')], 'OK .*')
    r.expect('LIST "" "Entw&APw-rfe"', [L(hn, b'Entw&APw-rfe')], 'OK .*')
    r.bad('LIST ""', 'LIST with one argument')
    r.bad('LIST "" (', 'LIST with an open list')
    r.close()


def sc_status():
    r = Raw('alice')
    setup_box(r, 'St')
    u, _ = r.cmd('STATUS St (UIDVALIDITY)')
    uv = int(re.search(rb'UIDVALIDITY (\d+)', u[0]).group(1))
    r.ok('SELECT St')
    r.ok('STORE 1 +FLAGS.SILENT (\\Seen)')
    r.ok('UNSELECT')
    u, _ = r.expect('STATUS St (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN '
                    'SIZE)', [r'\* STATUS St \(.*\)'], 'OK .*')
    f = items(u[0][len(b'* STATUS St '):]) if u else {}
    f.pop('RECENT', None)
    eq(f, {'MESSAGES': b'3', 'UIDNEXT': b'4', 'UIDVALIDITY': b'%d' % uv,
           'UNSEEN': b'2', 'SIZE': b'%d' % len(M1 + M2 + M3)},
       'STATUS: every item')
    u, _ = r.cmd('STATUS St (UNSEEN MESSAGES)')
    check(u in ([b'* STATUS St (UNSEEN 2 MESSAGES 3)'],
                [b'* STATUS St (MESSAGES 3 UNSEEN 2)']), 'two items %r' % u)
    r.expect('STATUS st (MESSAGES)', [], r'NO \[NONEXISTENT\] .*')
    r.expect('STATUS inbox (MESSAGES)', [b'* STATUS INBOX (MESSAGES 0)'],
             'OK .*', 'STATUS inbox answers for INBOX')
    r.bad('STATUS INBOX ()', 'STATUS needs an item (RFC 3501 grammar)')
    r.bad('STATUS St (BOGUS)')
    r.bad('STATUS St MESSAGES')
    r.bad('STATUS St')
    r.close()


def sc_select():
    """SELECT/EXAMINE responses, CLOSE and UNSELECT (RFC 3691), CHECK."""
    r = Raw('alice')
    uids = setup_box(r, 'Sel')
    u, t = r.cmd('SELECT Sel')
    match(rb'OK \[READ-WRITE\] .*', t, 'SELECT')
    want = [rb'\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)',
            rb'\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted '
            rb'\\Seen \\Draft \\\*\)\] .*',
            rb'\* 3 EXISTS', rb'\* 3 RECENT', rb'\* OK \[UNSEEN 1\] .*',
            rb'\* OK \[UIDVALIDITY \d+\] .*',
            rb'\* OK \[UIDNEXT %d\] .*' % (uids[2] + 1),
            rb'\* OK \[HIGHESTMODSEQ \d+\] .*']
    for w in want:
        check(any(re.fullmatch(w, x) for x in u),
              'SELECT sends %s: %r' % (w.decode(), u))
    u, t = r.cmd('EXAMINE Sel')
    match(rb'OK \[READ-ONLY\] .*', t, 'EXAMINE')
    check(any(re.fullmatch(rb'\* OK \[PERMANENTFLAGS \(\)\] .*', x)
              for x in u), 'EXAMINE: PERMANENTFLAGS () %r' % u)
    r.expect('CHECK', [], 'OK .*')
    # CLOSE on EXAMINE does not expunge; on SELECT it does, silently.
    r.ok('SELECT Sel')
    r.ok('STORE 1 +FLAGS.SILENT (\\Deleted)')
    r.ok('EXAMINE Sel')
    r.expect('CLOSE', [], 'OK .*', 'CLOSE sends no EXPUNGE')
    r.ok('SELECT Sel')
    r.expect('UNSELECT', [], 'OK .*', 'UNSELECT')
    u, _ = r.cmd('STATUS Sel (MESSAGES)')
    eq(u, [b'* STATUS Sel (MESSAGES 3)'], 'neither expunged')
    r.bad('FETCH 1 UID', 'FETCH after UNSELECT')
    r.bad('CLOSE', 'CLOSE when nothing is selected')
    r.bad('UNSELECT', 'UNSELECT when nothing is selected')
    r.ok('SELECT Sel')
    r.expect('CLOSE', [], 'OK .*', 'CLOSE expunges silently')
    u, _ = r.cmd('STATUS Sel (MESSAGES)')
    eq(u, [b'* STATUS Sel (MESSAGES 2)'], 'CLOSE expunged \\Deleted')
    # EXPUNGE numbers: each one relative to the state before it.
    r.append('Sel', M1)
    r.append('Sel', M1)
    r.ok('SELECT Sel')
    r.ok('STORE 1,3,4 +FLAGS.SILENT (\\Deleted)')
    r.expect('EXPUNGE', [b'* 1 EXPUNGE', b'* 2 EXPUNGE', b'* 2 EXPUNGE'],
             'OK .*', 'EXPUNGE sequence numbers shift')
    u, _ = r.cmd('FETCH 1:* UID')
    eq(len(u), 1, 'one message left')
    lu = int(re.search(rb'UID (\d+)', u[0]).group(1))
    r.append('Sel', M1)
    r.append('Sel', M1)
    r.ok('NOOP')
    r.ok('STORE 1:* +FLAGS.SILENT (\\Deleted)')
    u, _ = r.cmd('UID SEARCH ALL')
    al = [int(x) for x in u[0].split()[2:]]
    r.expect('UID EXPUNGE %d' % al[1], [b'* 2 EXPUNGE'], 'OK .*',
             'UID EXPUNGE removes only the UIDs given')
    r.expect('UID EXPUNGE 999999', [], 'OK .*')
    u, _ = r.cmd('UID SEARCH DELETED')
    eq(u, [b'* SEARCH %d %d' % (lu, al[2])], 'the others stay')
    r.ok('EXAMINE Sel')
    u, t = r.cmd('EXPUNGE')
    check(t.startswith(b'NO'), 'EXPUNGE on a read-only folder: %r' % t)
    r.close()


def sc_updates():
    """Untagged EXISTS/EXPUNGE/FETCH from another session: at NOOP, never
    an EXPUNGE during FETCH, STORE or SEARCH (RFC 3501 7.4.1)."""
    a, b = Raw('alice'), Raw('alice')
    setup_box(a, 'Up')
    a.ok('SELECT Up')
    b.ok('SELECT Up')
    b.ok('STORE 1 +FLAGS.SILENT (\\Flagged)')
    u, _ = a.cmd('NOOP')
    eq(u, [b'* 1 FETCH (FLAGS (\\Flagged))'],
       'a flag change by the other session')
    b.append('Up', M1)
    u, _ = a.cmd('NOOP')
    eq(u[:1], [b'* 4 EXISTS'], 'EXISTS for an APPEND by the other session')
    check(all(re.fullmatch(rb'\* \d RECENT', x) for x in u[1:]),
          'then RECENT, if anything: %r' % u)
    b.ok('STORE 2 +FLAGS.SILENT (\\Deleted)')
    b.ok('EXPUNGE')
    time.sleep(0.1)
    for c in ('FETCH 1:* UID', 'STORE 1 +FLAGS.SILENT (\\Seen)',
              'SEARCH ALL', 'SORT (ARRIVAL) UTF-8 ALL'):
        u, _ = a.cmd(c)
        check(not any(x.endswith(b'EXPUNGE') for x in u),
              'no EXPUNGE during %s: %r' % (c, u))
    # RFC 2180 4.1: FETCH of a message expunged elsewhere, not yet
    # reported: its data, nothing, or NO; never an EXPUNGE.
    u, t = a.cmd('FETCH 2 UID')
    check(t[:2] in (b'OK', b'NO') and u in ([], [b'* 2 FETCH (UID 2)']),
          'FETCH of an expunged message: %r %r' % (u, t))
    u, _ = a.cmd('NOOP')
    check(b'* 2 EXPUNGE' in u, 'EXPUNGE at NOOP: %r' % u)
    b.append('Up', M2)
    u, _ = a.cmd('UID FETCH 1:* UID')
    check(b'* 4 EXISTS' in u, 'EXISTS may come with UID FETCH: %r' % u)
    b.ok('STORE 1 +FLAGS.SILENT (\\Deleted)')
    b.ok('EXPUNGE')
    u, _ = a.cmd('STORE 1:* +FLAGS.SILENT (\\Answered)')
    check(not any(x.endswith(b'EXPUNGE') for x in u),
          'no EXPUNGE during STORE: %r' % u)
    u, _ = a.cmd('CHECK')
    check(b'* 1 EXPUNGE' in u, 'EXPUNGE at CHECK: %r' % u)
    # RFC 3501 7.4.1: the UID commands may carry EXPUNGE.
    b.ok('STORE 1 +FLAGS.SILENT (\\Deleted)')
    b.ok('EXPUNGE')
    u, _ = a.cmd('UID SEARCH ALL')
    u2, _ = a.cmd('NOOP')
    check(b'* 1 EXPUNGE' in u + u2, 'EXPUNGE at UID SEARCH or NOOP: %r'
          % (u + u2))
    a.close()
    b.close()


def sc_sortthread():
    """SORT and THREAD (RFC 5256)."""
    r = Raw('alice')
    msgs = [
        crlf(b'Subject: Re: b topic\nFrom: c@x\nDate: Wed, 3 Jan 2001 00:00:00'
             b' +0000\nMessage-ID: <3@x>\nReferences: <1@x>\n\nx\n'),
        crlf(b'Subject: a topic\nFrom: b@x\nDate: Tue, 2 Jan 2001 00:00:00 '
             b'+0000\nMessage-ID: <2@x>\n\nxx\n'),
        crlf(b'Subject: b topic\nFrom: a@x\nDate: Mon, 1 Jan 2001 00:00:00 '
             b'+0000\nMessage-ID: <1@x>\n\nxxx\n'),
        crlf(b'Subject: [fwd: Re: A TOPIC]\nFrom: "Zed" <a@x>\nDate: Thu, 4 Jan'
             b' 2001 00:00:00 +0000\nMessage-ID: <4@x>\nIn-Reply-To: <2@x>\n'
             b'\nxxxx\n'),
    ]
    uids = setup_box(r, 'So', msgs)
    r.ok('SELECT So')
    r.expect('SORT (DATE) UTF-8 ALL', [b'* SORT 3 2 1 4'], 'OK .*')
    r.expect('SORT (REVERSE DATE) UTF-8 ALL', [b'* SORT 4 1 2 3'], 'OK .*')
    r.expect('SORT (ARRIVAL) UTF-8 ALL', [b'* SORT 1 2 3 4'], 'OK .*')
    r.expect('SORT (SUBJECT) UTF-8 ALL', [b'* SORT 2 4 1 3'], 'OK .*',
             'SORT SUBJECT uses base subjects, ties by sequence')
    r.expect('SORT (FROM) UTF-8 ALL', [b'* SORT 3 4 2 1'], 'OK .*')
    by_size = sorted(range(4), key=lambda i: (len(msgs[i]), i))
    r.expect('SORT (SIZE) UTF-8 ALL', [b'* SORT ' + b' '.join(
        b'%d' % (i + 1) for i in by_size)], 'OK .*')
    r.expect('SORT (REVERSE SIZE) US-ASCII SUBJECT topic',
             [b'* SORT ' + b' '.join(b'%d' % (i + 1)
                                     for i in reversed(by_size))], 'OK .*')
    r.expect('UID SORT (SUBJECT REVERSE DATE) UTF-8 ALL',
             [b'* SORT %d %d %d %d' % (uids[3], uids[1], uids[0], uids[2])],
             'OK .*', 'UID SORT, two keys')
    r.expect('SORT (CC) UTF-8 2:3', [b'* SORT 2 3'], 'OK .*')
    r.bad('SORT () UTF-8 ALL')
    r.bad('SORT (BOGUS) UTF-8 ALL')
    r.bad('SORT (DATE) ALL', 'SORT without a charset')
    r.expect('SORT (DATE) KOI9 ALL', [], r'NO \[BADCHARSET.*')
    # Threads in the order of their first message's date (RFC 5256).
    r.expect('THREAD ORDEREDSUBJECT UTF-8 ALL', [b'* THREAD (3 1)(2 4)'],
             'OK .*', 'THREAD ORDEREDSUBJECT')
    r.expect('THREAD REFERENCES UTF-8 ALL', [b'* THREAD (3 1)(2 4)'],
             'OK .*', 'THREAD REFERENCES')
    r.expect('UID THREAD REFERENCES UTF-8 ALL',
             [b'* THREAD (%d %d)(%d %d)' % (uids[2], uids[0], uids[1],
                                             uids[3])], 'OK .*')
    r.expect('THREAD REFERENCES UTF-8 SUBJECT nothing', [b'* THREAD'],
             'OK .*')
    r.bad('THREAD BOGUS UTF-8 ALL')
    r.close()


def sc_edges():
    """Corners where a first version strayed from the RFCs."""
    r = Raw('alice')
    msgs = [crlf(b'Subject: a\n\n1\n'), crlf(b'Subject: _\n\n2\n'),
            crlf(b'Subject: [xyz]\n\n3\n'), crlf(b'Subject: B\n\n4\n'),
            crlf(b'From: <@route1,@route2:user@example.org>\n\n5\n')]
    setup_box(r, 'Edge', msgs)
    r.ok('SELECT Edge')
    # i;ascii-casemap compares upper case: "[" and "_" come after letters.
    r.expect('SORT (SUBJECT) US-ASCII 1:4', [b'* SORT 1 4 3 2'], 'OK .*',
             'SORT SUBJECT with i;ascii-casemap (RFC 5256, RFC 4790 9.2)')
    u, _ = r.cmd('FETCH 5 (ENVELOPE)')
    check(u and b'((NIL "@route1,@route2" "user" "example.org"))' in u[0],
          'ENVELOPE carries the source route (RFC 3501 7.4.2): %r' % u)
    # FETCH MODSEQ turns CONDSTORE on: HIGHESTMODSEQ comes first, once.
    u, _ = r.cmd('FETCH 1 (MODSEQ)')
    check(len(u) == 2 and re.match(rb'\* OK \[HIGHESTMODSEQ \d+\]', u[0]),
          'first CONDSTORE-enabling command sends HIGHESTMODSEQ '
          '(RFC 7162 3.1): %r' % u)
    u, _ = r.cmd('FETCH 1 (MODSEQ)')
    eq(len(u), 1, 'HIGHESTMODSEQ only the first time')
    mod = {}
    for seq in (1, 3, 2):
        u, _ = r.cmd('STORE %d +FLAGS (\\Seen)' % seq)
        mod[seq] = int(re.search(rb'MODSEQ \((\d+)\)', u[0]).group(1))
    r.expect('SEARCH RETURN (MIN) 1:3 MODSEQ 1',
             [b'* ESEARCH (TAG "a%d") MIN 1 MODSEQ %d' % (r.n + 1, mod[1])],
             'OK .*', 'MIN alone: MODSEQ of that message (RFC 4731 3.2)')
    r.expect('SEARCH RETURN (MIN MAX) 1:3 MODSEQ 1',
             [b'* ESEARCH (TAG "a%d") MIN 1 MAX 3 MODSEQ %d'
              % (r.n + 1, mod[3])], 'OK .*',
             'MIN and MAX: the higher of their two MODSEQs')
    r.expect('SEARCH RETURN (ALL) 1:3 MODSEQ 1',
             [b'* ESEARCH (TAG "a%d") ALL 1:3 MODSEQ %d' % (r.n + 1, mod[2])],
             'OK .*', 'ALL: the highest MODSEQ of all matches')
    # DELETE leaves the subscription alone (RFC 3501 6.3.6).
    r.ok('CREATE EdgeGone')
    r.ok('SUBSCRIBE EdgeGone')
    r.ok('DELETE EdgeGone')
    r.expect('LSUB "" EdgeGone', [b'* LSUB (\\Noselect) "/" EdgeGone'],
             'OK .*',
             'a deleted folder stays subscribed')
    r.expect('LIST (SUBSCRIBED) "" EdgeGone',
             [b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) '
              b'"/" EdgeGone'], 'OK .*',
             'LIST (SUBSCRIBED) shows it \\NonExistent (RFC 5258 3)')
    r.ok('UNSUBSCRIBE EdgeGone')
    r.close()


def sc_literals():
    """Synchronizing literals, LITERAL+ (RFC 7888), quoted strings."""
    r = Raw()
    r.send('l1 LOGIN {5}\r\n')
    eq(r.resp()[:2], b'+ ', 'continuation for a synchronizing literal')
    r.send('alice {1}\r\n')
    eq(r.resp()[:2], b'+ ', 'second continuation')
    r.send('x\r\n')
    u, t = r.wait('l1')
    match(rb'OK .*', t, 'LOGIN with two literals')
    r.send('l2 CREATE {6+}\r\nLit/\xc3\x84\r\n'.encode('latin-1'))
    u, t = r.wait('l2')
    check(t.startswith(b'NO') or t.startswith(b'BAD'),
          'an 8-bit literal name without UTF8=ACCEPT: %r' % t)
    r.send(b'l3 CREATE {9+}\r\nLit/Plain\r\n')
    match(rb'OK .*', r.wait('l3')[1], 'CREATE with LITERAL+')
    r.expect('LIST "" "Lit/Plain"', [b'* LIST (\\HasNoChildren) "/" Lit/Plain'],
             'OK .*')
    r.expect('LIST "" "Lit\\/Pl\\"ain"', [], '(OK|BAD) .*',
             'escapes in quoted strings')
    r.send(b'l4 SELECT {5}\r\n')
    r.resp()
    r.send(b'inBox\r\n')
    match(rb'OK \[READ-WRITE\] .*', r.wait('l4')[1], 'SELECT with a literal')
    # A literal's bytes are the name, CRLF included: no such folder.
    r.send(b'l5 STATUS {7}\r\n')
    r.resp()
    r.send(b'INBOX\r\n (MESSAGES)\r\n')
    u, t = r.wait('l5')
    match(rb'NO .*', t, 'STATUS of a name with CRLF in a literal')
    r.send(b'l6 STATUS {5+}\r\nINBOX (MESSAGES)\r\n')
    u, t = r.wait('l6')
    match(rb'\* STATUS INBOX \(MESSAGES \d+\)', u[0] if u else b'',
          'STATUS with a LITERAL+ name')
    r.close()


def sc_badinput():
    # the command being tried shows in a failure
    """The issue's bad input list: a tagged BAD/NO, the session goes on."""
    r = Raw('alice')
    setup_box(r, 'Bad')
    r.ok('SELECT Bad')
    for c in ('FETCH 1 (UID FLAGS', 'FETCH 1 UID)', 'FETCH 1 ((UID))',
              'SEARCH SUBJECT "unterminated', 'SEARCH SUBJECT "a"b"',
              'FETCH 1:4294967296 UID', 'FETCH 1:-1 UID', 'FETCH -1 UID',
              'FETCH 1:: UID', 'FETCH , UID', 'FETCH 1,,2 UID',
              'FETCH 1 BODY[1.]', 'FETCH 1 BODY[.1]', 'FETCH 1 BODY[1.0]',
              'FETCH 1 BODY[MIME]', 'FETCH 1 BODY[1]<-1.2>',
              'FETCH 1 BODY[1]<1.4294967296>', 'FETCH 1 BODY[' + '1.' * 1000
              + '1]', 'FETCH 1 BODY[HEADER.FIELDS ()]',
              'FETCH 1 BODY[HEADER.FIELDS (' + 'a ' * 5000 + ')]',
              'STORE 1 +FLAGS ' + '(' * 100, 'COPY', 'MOVE 1',
              'UID', 'UID BOGUS', 'UID CAPABILITY', 'BOGUS', '',
              'SELECT', 'LIST', 'EXPUNGE extra', 'NOOP extra',
              'CAPABILITY extra', 'LOGOUT now', 'ENABLE', 'IDLE x',
              'CHECK x', 'UNSELECT x', 'NAMESPACE x'):
        r.bad(c)
    r.bad(b'FETCH 1 UID\x00', 'a NUL byte')
    r.bad(b'SEARCH SUBJECT "\x00"', 'a NUL in a quoted string')
    r.bad(b'FETCH 1 (UID \xff)', '8-bit bytes in an atom')
    r.send(b'q1 FETCH 1 {3}\r\n')
    check(r.resp().startswith(b'+ '), 'a literal is read before parsing')
    r.send(b'UID\r\n')
    u, t = r.wait('q1')
    check(t.startswith(b'BAD'), 'a literal where an atom must be: %r' % t)
    u, t = r.cmd('SEARCH SUBJECT "a\\qb"')
    check(t.startswith(b'BAD') or t.startswith(b'OK'),
          'an unknown quoted escape: %r' % t)
    r.alive('a quoted escape')
    # Sequence numbers far past the end, UIDs far past the end.
    r.bad('FETCH 4294967295 UID', 'a sequence number past the end')
    r.expect('UID FETCH 1:4294967295 UID',
             [r'\* 1 FETCH.*', r'\* 2 FETCH.*', r'\* 3 FETCH.*'], 'OK .*')
    r.expect('SEARCH UID 1:4294967295', [b'* SEARCH 1 2 3'], 'OK .*')
    r.expect('FETCH 1:* (UID)', None, 'OK .*')
    # A huge literal announced and never sent: NO, the line ends it.
    r.send(b'h1 SEARCH TEXT {4294967296}\r\n')
    l = r.resp()
    check(l.startswith(b'h1 NO') or l.startswith(b'h1 BAD'),
          'a 4 GB literal: %r' % l)
    r.alive('a 4 GB literal')
    r.send(b'h2 SEARCH TEXT {-1}\r\n')
    l = r.resp()
    check(l.startswith(b'h2 BAD'), 'a negative literal: %r' % l)
    r.alive('a negative literal')
    r.send(b'h3 SEARCH TEXT {999999999999999999999999}\r\n')
    l = r.resp()
    check(l.startswith(b'h3 '), 'an absurd literal size: %r' % l)
    r.alive('an absurd literal size')
    # A long line is refused as a whole; the session goes on.
    r.send(b'h4 SEARCH TEXT "' + b'a' * 100000 + b'"\r\n')
    l = r.resp()
    check(b'BAD' in l, 'an over-long line: %r' % l)
    r.alive('an over-long line')
    # Wrong state.
    r.ok('UNSELECT')
    for c in ('FETCH 1 UID', 'STORE 1 +FLAGS (\\Seen)', 'SEARCH ALL',
              'EXPUNGE', 'UID FETCH 1 UID', 'COPY 1 INBOX', 'MOVE 1 INBOX',
              'SORT (DATE) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL',
              'CHECK'):
        r.bad(c, c + ' without a selected folder')
    r.close()
    r = Raw()
    for c in ('SELECT INBOX', 'LIST "" *', 'STATUS INBOX (MESSAGES)',
              'APPEND INBOX {1+}\r\nx', 'CREATE x', 'NAMESPACE'):
        u, t = r.cmd(c)
        check(t.startswith(b'BAD') or t.startswith(b'NO'),
              '%s before login: %r' % (c, t))
    r.alive('commands before login')
    r.close()


sc = globals()['sc_' + sys.argv[3]]
try:
    sc(*sys.argv[4:])
except (OSError, imaplib.IMAP4.error, ValueError, IndexError,
        AttributeError, TypeError) as e:
    failures.append(repr(e))
    print('FAIL: exception', repr(e))
    import traceback
    traceback.print_exc()
sys.exit(1 if failures else 0)
