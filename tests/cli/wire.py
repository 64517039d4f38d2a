"""What the protocol test clients (tests/cli/*-client.py, imap-interop.py)
share: a collector of failed checks, a TLS context that takes the tests'
generated certificate, and a connection that sends bytes and reads CRLF
lines and SMTP/LMTP replies.  Imported from the scripts' own directory."""
import socket
import ssl


class Fail(Exception):
    pass


# What failed, in order; a script exits 1 when this is not empty.
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)
    return cond


def tls_context():
    """TLS without certificate checks: the tests' certificate is made on
    the spot and self-signed."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Conn:
    """A connection to HOST:PORT, or to the UNIX socket PORT when it is a
    path: send bytes, read lines and whole replies."""

    def __init__(self, host, port, timeout, implicit_tls=False):
        port = str(port)
        if port.startswith('/'):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(timeout)
            self.sock.connect(port)
        else:
            self.sock = socket.create_connection((host, int(port)), timeout)
        self.buf = b''
        if implicit_tls:
            self.tls()

    def tls(self):
        self.sock = tls_context().wrap_socket(self.sock,
                                              server_hostname='localhost')
        self.buf = b''

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b'\r\n' not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise Fail('connection closed; read so far: %r' % self.buf)
            self.buf += d
        l, self.buf = self.buf.split(b'\r\n', 1)
        return l.decode('utf-8', 'replace')

    def reply(self):
        """A whole SMTP/LMTP reply: (code, [texts])."""
        texts = []
        while True:
            l = self.line()
            texts.append(l[4:])
            if len(l) < 4 or l[3] != '-':
                return int(l[:3]), texts
