#!/usr/bin/env python3
"""IMAP conversations for tests/cli/imap-*.sh, standard library only.

Usage: imap-interop.py HOST PORT SCENARIO [ARGS...]
Each scenario exits 0 when every reply is as expected, else prints what
differed and exits 1.  The user is alice, password x.
"""
import imaplib
import os
import re
import resource
import select
import socket
import ssl
import sys
import time

from wire import check, failures, tls_context

HOST, PORT = sys.argv[1], int(sys.argv[2])


class Raw:
    """A raw IMAP connection: lines, exact bytes, timeouts."""

    def __init__(self, host=HOST, port=PORT, implicit=False, timeout=20):
        self.s = socket.create_connection((host, port), timeout=timeout)
        if implicit:
            self.s = tls_context().wrap_socket(self.s)
        self.f = self.s.makefile('rb')
        self.n = 0
        self.greeting = self.line()

    def starttls(self):
        r = self.cmd('STARTTLS')
        self.s = tls_context().wrap_socket(self.s)
        self.f = self.s.makefile('rb')
        return r

    def send(self, data):
        if isinstance(data, str):
            data = data.encode() + b'\r\n'
        self.s.sendall(data)

    def line(self, timeout=None):
        """One line without CRLF, or None at EOF or after timeout s."""
        if timeout is not None:
            self.s.settimeout(timeout)
        try:
            l = self.f.readline()
        except (socket.timeout, TimeoutError):
            # A timed-out makefile() may not be read again: reopen it.
            self.f = self.s.makefile('rb')
            return None
        finally:
            if timeout is not None:
                self.s.settimeout(20)
        if not l:
            return None
        return l.decode('latin-1').rstrip('\r\n')

    def tag(self):
        self.n += 1
        return 'a%d' % self.n

    def cmd(self, c):
        """Runs c; returns (untagged lines, tagged line)."""
        t = self.tag()
        self.send(t + ' ' + c)
        return self.until(t)

    def until(self, t):
        out = []
        while True:
            l = self.line()
            if l is None:
                return out, None
            if l.startswith(t + ' '):
                return out, l[len(t) + 1:]
            out.append(l)

    def login(self, user='alice', pw='x'):
        _, r = self.cmd('LOGIN %s %s' % (user, pw))
        check(r is not None and r.startswith('OK'), 'LOGIN: %s' % r)

    def idle(self):
        t = self.tag()
        self.send(t + ' IDLE')
        check(self.line() == '+ idling', 'IDLE continuation')
        return t

    def done(self, t):
        self.send('DONE')
        return self.until(t)

    def wait_for(self, pattern, secs):
        """Untagged lines until one matches pattern within secs."""
        end = time.time() + secs
        seen = []
        while time.time() < end:
            l = self.line(timeout=max(0.01, end - time.time()))
            if l is None:
                break
            seen.append(l)
            if re.search(pattern, l):
                return seen
        check(False, 'no %r within %.1f s (saw %r)' % (pattern, secs, seen))
        return seen

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def caps_of(lines):
    for l in lines:
        if l.startswith('* CAPABILITY '):
            return l.split()[2:]
    return []


def finish():
    if failures:
        sys.exit(1)
    sys.exit(0)


# ---- TLS ----

def sc_starttls():
    """imaplib: STARTTLS with the server's certificate, then a session."""
    cafile = sys.argv[4]
    m = imaplib.IMAP4(HOST, PORT)
    check('STARTTLS' in m.capabilities, 'STARTTLS offered')
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    typ, _ = m.starttls(ssl_context=ctx)
    check(typ == 'OK', 'STARTTLS OK')
    typ, data = m.capability()
    caps = data[0].decode().split()
    check('STARTTLS' not in caps, 'no STARTTLS after STARTTLS: %r' % caps)
    check('AUTH=PLAIN' in caps, 'AUTH=PLAIN over TLS')
    try:
        m._simple_command('STARTTLS')
        check(False, 'STARTTLS twice accepted')
    except imaplib.IMAP4.error as e:
        check('already active' in str(e), 'second STARTTLS: %s' % e)
    m.login('alice', 'x')
    typ, data = m.select('INBOX')
    check(typ == 'OK' and data[0] == b'2', 'SELECT INBOX: %r' % data)
    typ, data = m.uid('FETCH', '1:*', '(UID RFC822.SIZE BODY.PEEK[])')
    check(typ == 'OK' and b'Subject: one' in data[0][1], 'FETCH over TLS')
    m.logout()


def sc_pipeline():
    """Commands pipelined after STARTTLS are dropped, not run."""
    r = Raw()
    r.send(b'a1 STARTTLS\r\na2 LOGOUT\r\na3 LOGIN alice x\r\n')
    _, res = r.until('a1')
    check(res is not None and res.startswith('OK'), 'STARTTLS: %s' % res)
    r.s = tls_context().wrap_socket(r.s)
    r.f = r.s.makefile('rb')
    r.n = 3
    lines, res = r.cmd('NOOP')
    check(res is not None and res.startswith('OK'),
          'NOOP over TLS after pipelined LOGOUT: %s %r' % (res, lines))
    check(not any(l.startswith(('a2', 'a3', '* BYE')) for l in lines),
          'pipelined commands were answered: %r' % lines)
    lines, res = r.cmd('CAPABILITY')
    caps = caps_of(lines)
    check('LOGINDISABLED' not in caps and 'STARTTLS' not in caps,
          'capabilities over TLS: %r' % caps)
    lines, res = r.cmd('SELECT INBOX')
    check(res.startswith('BAD'), 'not logged in (pipelined LOGIN dropped): %s'
          % res)
    r.cmd('LOGOUT')


def sc_logindisabled():
    """Plaintext passwords refused before TLS, accepted after."""
    r = Raw()
    caps = r.greeting.split('[CAPABILITY ', 1)[1].split(']')[0].split()
    check('LOGINDISABLED' in caps, 'greeting has LOGINDISABLED: %r' % caps)
    check('AUTH=PLAIN' not in caps, 'no AUTH=PLAIN before TLS: %r' % caps)
    check('STARTTLS' in caps, 'greeting has STARTTLS: %r' % caps)
    _, res = r.cmd('LOGIN alice x')
    check(res.startswith('NO [PRIVACYREQUIRED]'), 'LOGIN refused: %s' % res)
    _, res = r.cmd('AUTHENTICATE PLAIN AGFsaWNlAHg=')
    check(res.startswith('NO [PRIVACYREQUIRED]'),
          'AUTHENTICATE refused: %s' % res)
    _, res = r.starttls()
    check(res.startswith('OK'), 'STARTTLS: %s' % res)
    lines, _ = r.cmd('CAPABILITY')
    caps = caps_of(lines)
    check('AUTH=PLAIN' in caps and 'LOGINDISABLED' not in caps,
          'AUTH=PLAIN after TLS: %r' % caps)
    _, res = r.cmd('AUTHENTICATE PLAIN AGFsaWNlAHg=')
    check(res.startswith('OK'), 'AUTHENTICATE after TLS: %s' % res)
    r.cmd('LOGOUT')


def sc_plaintext_ok():
    """Plaintext passwords allowed without TLS (loopback or configured)."""
    r = Raw()
    caps = r.greeting.split('[CAPABILITY ', 1)[1].split(']')[0].split()
    check('LOGINDISABLED' not in caps and 'AUTH=PLAIN' in caps,
          'greeting offers AUTH=PLAIN: %r' % caps)
    r.login()
    r.cmd('LOGOUT')


def sc_implicit():
    """imaplib.IMAP4_SSL on the implicit TLS listener."""
    m = imaplib.IMAP4_SSL(HOST, PORT, ssl_context=tls_context())
    check('STARTTLS' not in m.capabilities, 'no STARTTLS on implicit TLS')
    check('AUTH=PLAIN' in m.capabilities, 'AUTH=PLAIN on implicit TLS')
    try:
        m._simple_command('STARTTLS')
        check(False, 'STARTTLS accepted on implicit TLS')
    except imaplib.IMAP4.error as e:
        check('already active' in str(e), 'STARTTLS: %s' % e)
    m.login('alice', 'x')
    typ, data = m.select('INBOX', readonly=True)
    check(typ == 'OK' and data[0] == b'2', 'EXAMINE INBOX: %r' % data)
    typ, data = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    check(typ == 'OK' and data[0][1].strip() == b'Subject: two',
          'FETCH header over TLS: %r' % data)
    m.logout()


# ---- sessions seeing each other ----

def sc_two_sessions():
    """One client changes INBOX; the other sees it in IDLE within a second,
    a third (not idle) at its next NOOP."""
    a, b, c = Raw(), Raw(), Raw()
    for r in (a, b, c):
        r.login()
    b.cmd('CREATE Other')
    lines, _ = a.cmd('SELECT INBOX')
    check('* 3 EXISTS' in lines, 'INBOX holds 3: %r' % lines)
    b.cmd('SELECT INBOX')
    c.cmd('SELECT INBOX')

    def step(what, action, pattern, expect_noop):
        t = a.idle()
        time.sleep(0.1)
        start = time.time()
        action()
        seen = a.wait_for(pattern, 1.0)
        check(time.time() - start <= 1.0, '%s: seen in IDLE after %.2f s'
              % (what, time.time() - start))
        a.done(t)
        lines, res = c.cmd('NOOP')
        check(res.startswith('OK') and
              all(any(re.search(p, l) for l in lines) for p in expect_noop),
              '%s: NOOP in the other session: %r' % (what, lines))
        return seen

    step('STORE +FLAGS \\Seen', lambda: b.cmd('STORE 1 +FLAGS (\\Seen)'),
         r'^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)$',
         [r'^\* 1 FETCH \(FLAGS \(\\Seen'])
    step('APPEND', lambda: b.send(b'x APPEND INBOX (\\Flagged) {19}\r\n'
                                  b'Subject: appended\r\n\r\n') or b.until('x'),
         r'^\* 4 EXISTS$', [r'^\* 4 EXISTS$'])
    step('STORE \\Deleted + EXPUNGE',
         lambda: (b.cmd('STORE 2 +FLAGS.SILENT (\\Deleted)'),
                  b.cmd('EXPUNGE')),
         r'^\* 2 EXPUNGE$', [r'^\* 2 EXPUNGE$'])
    step('MOVE to Other', lambda: b.cmd('MOVE 1 Other'),
         r'^\* 1 EXPUNGE$', [r'^\* 1 EXPUNGE$'])
    step('COPY from Other into INBOX',
         lambda: (b.cmd('SELECT Other'), b.cmd('COPY 1 INBOX')),
         r'^\* 3 EXISTS$', [r'^\* 3 EXISTS$'])
    step('UID MOVE from Other into INBOX',
         lambda: b.cmd('UID MOVE 1:* INBOX'),
         r'^\* 4 EXISTS$', [r'^\* 4 EXISTS$'])
    # The views agree: same UIDs in the same order, same flags (but
    # \Recent, which only one session gets).
    la, _ = a.cmd('UID FETCH 1:* (FLAGS)')
    lc, _ = c.cmd('UID FETCH 1:* (FLAGS)')
    norm = lambda ls: sorted(re.sub(r' ?\\Recent', '', l).replace('( ', '(')
                             for l in ls if 'FETCH' in l)
    check(norm(la) == norm(lc) and len(norm(la)) == 4,
          'both sessions see the same messages: %r vs %r' % (la, lc))
    for r in (a, b, c):
        r.cmd('LOGOUT')


def sc_idle_watch():
    """Logs in, selects FOLDER, IDLEs, and prints each line at once, until
    the connection ends or stdin closes (then DONE and LOGOUT)."""
    folder = sys.argv[4] if len(sys.argv) > 4 else 'INBOX'
    r = Raw(timeout=600)
    r.login()
    lines, res = r.cmd('SELECT "%s"' % folder)
    for l in lines:
        print('select:', l)
    t = r.idle()
    print('idling', flush=True)
    # Raw reads from here on: select() does not see what a buffered
    # reader already holds.
    fds = [r.s, sys.stdin.fileno()]
    pending = b''
    while True:
        ready, _, _ = select.select(fds, [], [], 600)
        if len(fds) > 1 and fds[1] in ready and not os.read(fds[1], 100):
            r.send('DONE')
            r.send(t + 'x LOGOUT')
            fds.pop()
        if r.s in ready:
            data = r.s.recv(65536)
            if not data:
                print('closed', flush=True)
                return
            pending += data
            while b'\r\n' in pending:
                l, pending = pending.split(b'\r\n', 1)
                print(l.decode('latin-1'), flush=True)


def sc_uids():
    """Prints the UIDVALIDITY and the UIDs of FOLDER, as one line."""
    folder = sys.argv[4]
    r = Raw()
    r.login()
    lines, _ = r.cmd('EXAMINE "%s"' % folder)
    v = [l for l in lines if 'UIDVALIDITY' in l][0].split()[3].rstrip(']')
    lines, _ = r.cmd('UID SEARCH ALL')
    print(v, lines[0].split()[2:])
    r.cmd('LOGOUT')


def sc_recent_once():
    """\\Recent goes to one session: a message delivered (by the caller,
    into a folder of its own) while one session has the folder selected
    is recent there only; EXAMINE shows recent without taking it."""
    folder = sys.argv[4]
    ex = Raw()
    ex.login()
    lines, _ = ex.cmd('EXAMINE "%s"' % folder)
    check('* 1 RECENT' in lines, 'EXAMINE shows the message in new/ as '
          'recent: %r' % lines)
    a = Raw()
    a.login()
    lines, _ = a.cmd('SELECT "%s"' % folder)
    check('* 1 RECENT' in lines, 'the first SELECT takes \\Recent: %r'
          % lines)
    lines, _ = a.cmd('FETCH 1 (FLAGS)')
    check(any('\\Recent' in l for l in lines), 'FETCH FLAGS shows it: %r'
          % lines)
    b = Raw()
    b.login()
    lines, _ = b.cmd('SELECT "%s"' % folder)
    check('* 0 RECENT' in lines, 'a second SELECT does not: %r' % lines)
    lines, _ = b.cmd('FETCH 1 (FLAGS)')
    check(not any('\\Recent' in l for l in lines),
          'nor its FETCH FLAGS: %r' % lines)
    lines, _ = b.cmd('SEARCH RECENT')
    check(lines[0] == '* SEARCH', 'SEARCH RECENT finds nothing there: %r'
          % lines)
    lines, _ = a.cmd('SEARCH RECENT')
    check(lines[0] == '* SEARCH 1', 'but 1 in the first: %r' % lines)
    lines, _ = a.cmd('STATUS "%s" (RECENT)' % folder)
    check(any('(RECENT 1)' in l for l in lines),
          'STATUS RECENT in the session that has it: %r' % lines)
    z = Raw()
    z.login()
    lines, _ = z.cmd('STATUS "%s" (RECENT)' % folder)
    check(any('(RECENT 0)' in l for l in lines),
          'STATUS RECENT elsewhere once it was given out: %r' % lines)
    for r in (ex, a, b, z):
        r.cmd('LOGOUT')


def uidvalidity(lines):
    for l in lines:
        m = re.search(r'\[UIDVALIDITY (\d+)\]', l)
        if m:
            return m.group(1)
    return None


def sc_deleted_folder():
    """The selected folder is deleted, made again, or renamed by another
    session: BYE, since its UIDs are no longer the client's."""
    a, b, c = Raw(), Raw(), Raw()
    for r in (a, b, c):
        r.login()
    b.cmd('CREATE Gone')
    for i in range(2):
        b.cmd('APPEND Gone {14+}\r\nSubject: %d\r\n\r\n' % i)
    lines, _ = a.cmd('SELECT Gone')
    old = uidvalidity(lines)
    c.cmd('SELECT Gone')
    a.idle()
    start = time.time()
    b.cmd('DELETE Gone')
    seen = a.wait_for(r'^\* BYE ', 1.0)
    check(time.time() - start <= 1.0, 'BYE in IDLE after %.2f s'
          % (time.time() - start))
    check(a.line(timeout=2) is None, 'closed after BYE: %r' % seen)
    b.cmd('CREATE Gone')
    b.cmd('APPEND Gone {14+}\r\nSubject: n\r\n\r\n')
    lines, res = c.cmd('NOOP')
    check(any(l.startswith('* BYE ') for l in lines),
          'a session on the old folder gets BYE at NOOP: %r %s'
          % (lines, res))
    d = Raw()
    d.login()
    lines, _ = d.cmd('SELECT Gone')
    check('* 1 EXISTS' in lines and uidvalidity(lines) not in (None, old),
          'the new folder has its own UIDVALIDITY and message: %r' % lines)
    e = Raw()
    e.login()
    b.cmd('CREATE Renamed')
    e.cmd('SELECT Renamed')
    e.idle()
    b.cmd('RENAME Renamed Renamed2')
    e.wait_for(r'^\* BYE ', 1.0)
    for r in (b, d):
        r.cmd('LOGOUT')


# ---- robustness ----

def sc_literal_drop():
    """APPEND whose literal is cut short by the client going away."""
    mode = sys.argv[4]
    r = Raw()
    r.login()
    if mode == 'sync':
        r.send(b'a APPEND INBOX {5000}\r\n')
        check(r.line().startswith('+'), 'continuation')
    else:
        r.send(b'a APPEND INBOX {5000+}\r\n')
    r.send(b'Subject: cut short\r\n\r\n' + b'x' * 2000)
    time.sleep(0.3)
    r.s.shutdown(socket.SHUT_RDWR)
    r.close()


def sc_sigterm_idle():
    """Tells the shell (stdout) when IDLE runs; expects BYE then EOF."""
    r = Raw()
    r.login()
    r.cmd('SELECT INBOX')
    r.idle()
    print('idling', flush=True)
    l = r.line(timeout=15)
    check(l is not None and l.startswith('* BYE'), 'BYE on SIGTERM: %r' % l)
    check(r.line(timeout=5) is None, 'closed after BYE')


def sc_idle_timeout():
    """IDLE with no traffic: BYE after about SECS, then EOF."""
    secs = int(sys.argv[4])
    r = Raw(timeout=secs + 60)
    r.login()
    r.cmd('SELECT INBOX')
    r.idle()
    start = time.time()
    # Other tests deliver meanwhile: skip their updates.
    while True:
        l = r.line(timeout=max(1, start + secs + 30 - time.time()))
        if l is None or not re.match(r'\* \d+ (EXISTS|RECENT|FETCH)', l):
            break
    took = time.time() - start
    check(l is not None and l.startswith('* BYE'), 'BYE on timeout: %r' % l)
    check(secs - 2 <= took <= secs + 5, 'after %.1f s, want %d' % (took, secs))
    check(r.line(timeout=5) is None, 'closed after BYE')
    print('# timed out after %.1f s' % took)


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for l in f:
            if l.startswith('VmRSS:'):
                return int(l.split()[1])
    return 0


def sc_many_idle():
    """N sessions in IDLE on INBOX; RSS growth per session; a delivery
    reaches every one of them."""
    n, pid, limit_kb = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    deliver = sys.argv[7:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)),
                                                hard))
    # A few sessions first, so one-off allocations (the shared folder,
    # the watch, TLS-free buffers) are not counted per session.
    warm = [Raw() for _ in range(10)]
    for r in warm:
        r.login()
        r.cmd('SELECT INBOX')
        r.idle()
    time.sleep(0.5)
    before = rss_kb(pid)
    socks = []
    # Pipelined per session so that N logins do not take N round trips
    # each: LOGIN, SELECT and IDLE in one write.
    for i in range(n):
        s = socket.create_connection((HOST, PORT), timeout=30)
        s.sendall(b'a LOGIN alice x\r\nb SELECT INBOX\r\nc IDLE\r\n')
        socks.append([s, b''])
    pending = {s.fileno(): e for e, (s, _) in zip(range(n), socks)}
    end = time.time() + 60
    while pending and time.time() < end:
        ready, _, _ = select.select([socks[i][0] for i in pending.values()],
                                    [], [], 1)
        for s in ready:
            i = pending[s.fileno()]
            socks[i][1] += s.recv(65536)
            if b'+ idling\r\n' in socks[i][1]:
                del pending[s.fileno()]
    check(not pending, '%d sessions did not reach IDLE' % len(pending))
    time.sleep(1)
    after = rss_kb(pid)
    per = (after - before) * 1024 / n
    print('# RSS %d kB before, %d kB after %d IDLE sessions: %.0f bytes '
          'per session' % (before, after, n, per))
    check(per <= limit_kb * 1024, 'per-session RSS %.0f B over %d KB'
          % (per, limit_kb))
    # One delivery reaches every idler.
    for e in socks:
        e[1] = b''
    start = time.time()
    os.spawnvp(os.P_WAIT, deliver[0], deliver)
    waiting = {s.fileno(): i for i, (s, _) in enumerate(socks)}
    end = time.time() + 10
    while waiting and time.time() < end:
        ready, _, _ = select.select([socks[i][0] for i in waiting.values()],
                                    [], [], 1)
        for s in ready:
            i = waiting[s.fileno()]
            socks[i][1] += s.recv(65536)
            if re.search(rb'\* \d+ EXISTS\r\n', socks[i][1]):
                del waiting[s.fileno()]
    print('# a delivery reached %d idlers in %.2f s'
          % (n - len(waiting), time.time() - start))
    check(not waiting, '%d idlers did not see EXISTS' % len(waiting))
    for s, _ in socks:
        s.sendall(b'DONE\r\nd LOGOUT\r\n')
    for s, _ in socks:
        s.close()
    for r in warm:
        r.close()


def sc_fetch_renamed():
    """FETCH of many messages while another Maildir program renames
    their files (a flag change): every response carries the UID of its
    sequence number and the message's own bytes.  Arguments: FOLDER and
    its Maildir directory; each message's body says its number."""
    import threading
    cur = os.path.join(sys.argv[5], 'cur')
    r = Raw()
    r.login()
    r.cmd('SELECT "%s"' % sys.argv[4])
    items = 'UID INTERNALDATE RFC822.SIZE'
    lines, _ = r.cmd('FETCH 1:* (%s)' % items)
    meta_of = {}
    for l in lines:
        m = re.match(r'\* (\d+) FETCH \((.*)\)$', l)
        if m:
            meta_of[int(m.group(1))] = m.group(2)
    check(len(meta_of) >= 100, 'the folder has its messages: %d'
          % len(meta_of))
    stop = []

    def renamer():
        while not stop:
            for sub in ('new', 'cur'):
                d = os.path.join(sys.argv[5], sub)
                for name in os.listdir(d):
                    base, _, info = name.partition(':2,')
                    flip = info.replace('F', '') if 'F' in info else \
                        ''.join(sorted(info + 'F'))
                    try:
                        os.rename(os.path.join(d, name),
                                  os.path.join(cur, base + ':2,' + flip))
                    except FileNotFoundError:
                        pass
    t = threading.Thread(target=renamer)
    t.start()
    bad = 0
    try:
        for _ in range(5):
            t_ = r.tag()
            r.send(t_ + ' FETCH 1:* (%s BODY.PEEK[TEXT])' % items)
            while True:
                l = r.line()
                if l is None or l.startswith(t_ + ' '):
                    break
                m = re.match(r'\* (\d+) FETCH \((.*) '
                             r'BODY\[TEXT\] \{(\d+)\}$', l)
                if not m:
                    continue
                body = r.f.read(int(m.group(3)))
                seq, meta = int(m.group(1)), m.group(2)
                if meta != meta_of.get(seq) or \
                        body != b'body %d\r\n' % seq:
                    bad += 1
                    if bad < 4:
                        print('# seq %d: %s, body %r' % (seq, meta, body))
            check(l is not None and l[len(t_) + 1:].startswith('OK'),
                  'FETCH completes: %r' % l)
    finally:
        stop.append(1)
        t.join()
    check(bad == 0, '%d responses with the wrong UID, date, size or '
          'bytes' % bad)
    r.cmd('LOGOUT')


SCENARIOS = {name[3:].replace('_', '-'): f
             for name, f in list(globals().items())
             if name.startswith('sc_')}

if __name__ == '__main__':
    fn = SCENARIOS.get(sys.argv[3])
    if fn is None:
        sys.exit('unknown scenario %s' % sys.argv[3])
    try:
        fn()
    except Exception as e:  # a crash of the scenario is a failure too
        check(False, 'exception: %r' % e)
    finish()
