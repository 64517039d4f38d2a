# The MX when a local copy cannot be stored (one reply for all recipients,
# RFC 5321 3.3), per-address rate limits, and AUTH refused without TLS
# from a client that is not trusted as local.  trust_loopback = no makes
# mailtreed treat 127.0.0.1 as any other address, so these paths run as
# they would for a remote client.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
. "$(dirname "$0")/smtp-setup"

PORT=$(free_port)
SUB=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
hostname = mx.a.example
domains = a.example b.example
trust_loopback = no
smtp_greet_pause = 0
queue_retry = 1
[listener mx]
protocol = smtp
address = 127.0.0.1
port = $PORT
[listener submission]
protocol = submission
address = 127.0.0.1
port = $SUB
tls = starttls
CONF
ok "mailtreed starts with trust_loopback = no" start_daemon "$T_DIR/d.conf"
sm() { $SM 127.0.0.1 "$PORT" "$@"; }
# wait_for 'SHELL CODE': up to 15 s for it to succeed.
wait_for() { for _ in $(seq 150); do eval "$1" && return 0; sleep 0.1; done; return 1; }
qcount() { mt queue list 2>/dev/null | grep -c .; }
# send RCPTS SUBJECT: smtplib; prints the reply to the end of data.
send() {
	python3 - "$PORT" "$1" "$2" <<'PY'
import smtplib, sys
port, rcpts, subj = int(sys.argv[1]), sys.argv[2].split(','), sys.argv[3]
msg = ('From: sender@example.net\r\nTo: alice@a.example\r\nSubject: %s\r\n'
       'Message-ID: <%s@test>\r\n\r\nHello.\r\n' % (subj, subj)).encode()
s = smtplib.SMTP('127.0.0.1', port, timeout=20)
s.ehlo('client.example')
s.mail('sender@example.net')
for r in rcpts:
    s.rcpt(r)
code, text = s.data(msg)
print(code, text.decode().split(' ')[0])
s.quit()
PY
}
# broken USER: her maildir's tmp/ is a file, so no copy can be made.
broken() { mv "$MAILTREE_STORE/mail/$1/tmp" "$T_DIR/$1-tmp" && touch "$MAILTREE_STORE/mail/$1/tmp"; }
mended() { rm -f "$MAILTREE_STORE/mail/$1/tmp" && mv "$T_DIR/$1-tmp" "$MAILTREE_STORE/mail/$1/tmp"; }
# Both users' maildirs exist before they are broken.
ok "a first message to alice and bob" sm send sender@example.net alice@a.example,bob@b.example first

# One recipient's copy fails while the other's is stored: accepted, and
# the failed one deferred through the queue, as Postfix defers it.
broken bob
is "alice stored, bob's copy failed: 250 all the same" \
    "$(send alice@a.example,bob@b.example partial)" "250 2.0.0"
is "alice has it" "$(msgcount alice)" 2
is "bob not yet" "$(msgcount bob)" 1
ok "bob is waiting in the queue" sh -c "mt queue list | grep -q 'bob@b.example'"
ok "the deferral is logged" \
    grep -q 'rcpt=bob@b.example from=<sender@example.net> not saved: Not a directory; deferred, queued id=' \
    "$T_DIR/daemon.log"
mended bob
ok "once bob's maildir is mended, the queue delivers to him" \
    wait_for 'test "$(msgcount bob)" = 2'
ok "and the queue is empty" wait_for 'test "$(qcount)" = 0'
is "bob's copy: Return-Path and Delivered-To for him, then the same bytes as alice's from Received on" \
    "$(lastmsg bob | od -c)" \
    "$( (printf 'Return-Path: <sender@example.net>\nDelivered-To: bob@b.example\n'
	lastmsg alice | sed 1d) | od -c)"

# Nothing stored: the error goes to the client, which keeps the message.
dataerr='451 4.3.0'
broken bob
is "the only recipient's copy fails: 451, nothing stored or queued" \
    "$(send bob@b.example lost 2>&1 | tail -n 1)" "$dataerr"
broken alice
is "both recipients' copies fail: 451" \
    "$(send alice@a.example,bob@b.example lost2 2>&1 | tail -n 1)" "$dataerr"
is "nothing queued" "$(qcount)" 0
mended alice
mended bob
is "and nothing stored" "$(msgcount alice) $(msgcount bob)" "2 2"

# The first recipient's copy (the one the others link to) fails when it
# is moved into new/: bob's link is stored, alice is deferred.
mv "$MAILTREE_STORE/mail/alice/new" "$T_DIR/alice-new"
touch "$MAILTREE_STORE/mail/alice/new"
is "the primary copy fails, the linked one is stored: 250" \
    "$(send alice@a.example,bob@b.example primary)" "250 2.0.0"
is "bob has it" "$(msgcount bob)" 3
ok "alice is deferred" sh -c "mt queue list | grep -q 'alice@a.example'"
rm -f "$MAILTREE_STORE/mail/alice/new"
mv "$T_DIR/alice-new" "$MAILTREE_STORE/mail/alice/new"
ok "and gets it from the queue" wait_for 'test "$(msgcount alice)" = 3'
is "alice's copy ends as bob's" "$(lastmsg alice | sed -n '/^Subject/,$p')" \
    "$(lastmsg bob | sed -n '/^Subject/,$p')"
is "no file left in tmp/" "$(tmpcount alice) $(tmpcount bob)" "0 0"

# AUTH over plaintext from an address not trusted as local.
sub() { $SM 127.0.0.1 "$SUB" "$@"; }
ok "submission without TLS does not offer AUTH" sub ehlo STARTTLS '!AUTH'
is "AUTH PLAIN without TLS: 538 5.7.11" \
    "$(sub reply 'EHLO c' 'AUTH PLAIN AGFsaWNlAHg=' '538 5.7.11' && echo y)" y
ok "after STARTTLS, AUTH PLAIN succeeds" sub auth PLAIN alice x 235
ok "mailtreed stops" stop_daemon

# Rate limits per client address and minute.
cat >"$T_DIR/r.conf" <<CONF
store = $MAILTREE_STORE
hostname = mx.a.example
domains = a.example b.example
trust_loopback = no
smtp_greet_pause = 0
smtp_connection_rate_limit = 4
smtp_message_rate_limit = 2
[listener mx]
protocol = smtp
address = 127.0.0.1
port = $PORT
CONF
ok "mailtreed starts with rate limits" start_daemon "$T_DIR/r.conf"
is "two messages a minute: the third MAIL gets 450 4.7.1" \
    "$(sm reply 'EHLO c' 'MAIL FROM:<s@x.example>' 'RSET' 'MAIL FROM:<s@x.example>' 'RSET' 'MAIL FROM:<s@x.example>' '450 4.7.1' && echo y)" y
# greetings N: opens N connections one after another, prints the code of
# each greeting.
greetings() {
	python3 -c 'import socket, sys
out = []
for _ in range(int(sys.argv[2])):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
    out.append(s.recv(200).decode()[:9])
    s.close()
print(" ".join(out))' "$PORT" "$1"
}
is "four connections a minute: the fifth gets 421 4.7.0" \
    "$(greetings 4)" "220 mx.a. 220 mx.a. 220 mx.a. 421 4.7.0"
ok "the refusals are logged" \
    sh -c "grep -q 'refused: 3 messages from this address in a minute, limit 2' '$T_DIR/daemon.log' &&
	grep -q 'refused: 5 connections from this address in a minute, limit 4' '$T_DIR/daemon.log'"
ok "mailtreed stops" stop_daemon
sed -i '/^trust_loopback/d' "$T_DIR/r.conf"
ok "mailtreed starts again, loopback trusted (the default)" start_daemon "$T_DIR/r.conf"
is "loopback is exempt from the rate limits: six greetings" \
    "$(greetings 6 | grep -o '220 mx.a.' | wc -l)" 6
ok "mailtreed stops" stop_daemon
done_testing
