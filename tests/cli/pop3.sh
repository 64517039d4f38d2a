# POP3 against mailtreed on loopback ports: poplib and raw conversations,
# STLS and implicit TLS, curl, openssl s_client and fetchmail; octet counts
# equal to the bytes sent for awkward messages, Dovecot's UIDLs, DELE only
# at QUIT, the session lock, plaintext refusal, limits and bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
PC="python3 $(dirname "$0")/pop3-client.py"

PORT=$(free_port) TPORT=$(free_port) PORT2=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
max_bad_commands = 50
auth_fail_delay = 100
[listener pop3]
protocol = pop3
address = 127.0.0.1
port = $PORT
tls = starttls
[listener pop3s]
protocol = pop3
address = 127.0.0.1
port = $TPORT
tls = implicit
CONF
ok "mailtreed starts with pop3 and pop3s listeners" start_daemon "$T_DIR/d.conf"
p3() { $PC 127.0.0.1 "$PORT" "$@"; }

# Messages that make octet counting hard: LF, CRLF, lines starting with a
# dot, no final newline, a NUL byte, a bare CR.
dlv() { mt deliver alice >/dev/null; }
printf 'Subject: lf\n\nline one\n.starts with a dot\n..two dots\n.\nend\n' | dlv
printf 'Subject: crlf\r\n\r\nline one\r\n.dot\r\n' | dlv
printf 'Subject: no final newline\n\nlast line' | dlv
printf 'Subject: nul\n\nbefore\0after\n' | dlv
printf 'Subject: cr\n\nbare\rcr and\r\nmixed\n.\r\n' | dlv
mkdir "$T_DIR/exp"
n=0
for uid in $(mt message list alice INBOX | cut -f1); do
	n=$((n + 1))
	mt message cat alice INBOX "$uid" >"$T_DIR/exp/$n"
done
is "five messages to serve" "$n" 5

ok "CAPA lists TOP UIDL RESP-CODES PIPELINING AUTH-RESP-CODE USER SASL STLS" \
    p3 capa
ok "LIST/STAT sizes equal the bytes RETR sends, which are the stored bytes with CRLF" \
    p3 sizes "$T_DIR/exp"
uidv=$(head -n 1 "$MAILTREE_STORE/mail/alice/dovecot-uidlist" | sed 's/.* V\([0-9]*\) .*/\1/')
want=$(for uid in $(mt message list alice INBOX | cut -f1); do
	printf '%08X%08X ' "$uid" "$uidv"; done)
ok "UIDLs are %08X%08X of UID and UIDVALIDITY (Dovecot's default)" \
    p3 uidl $want
ok "poplib: USER, PASS, STAT, RETR, TOP, NOOP, RSET, QUIT" p3 poplib
ok "AUTH PLAIN and LOGIN, initial responses, cancel, bad base64, wrong password" \
    p3 auth
ok "pipelined commands answered in order, RETR included" p3 pipeline
ok "STLS, then login; CAPA no longer offers STLS" p3 stls
ok "implicit TLS (pop3s) with poplib.POP3_SSL" $PC 127.0.0.1 "$TPORT" implicit
ok "wrong state, over-long line, NUL byte, bad numbers: -ERR, session goes on" \
    p3 badinput
ok "a second session on the mailbox gets [IN-USE] until the first QUITs" \
    p3 inuse
is "no session lock left behind" \
    "$(ls "$MAILTREE_STORE/mail/alice" | grep -c pop3)" 0

# curl lists and retrieves byte for byte (it undoes the dot-stuffing).
crlf() { python3 -c 'import re, sys
sys.stdout.buffer.write(re.sub(rb"(?<!\r)\n", b"\r\n", sys.stdin.buffer.read()))'; }
if command -v curl >/dev/null; then
	is "curl pop3:// lists five messages" \
	    "$(curl -s -u alice:x "pop3://127.0.0.1:$PORT/" | wc -l)" 5
	for i in 1 2 4 5; do
		curl -s -u alice:x "pop3://127.0.0.1:$PORT/$i" >"$T_DIR/got"
		is "curl pop3:// RETR $i is the stored message with CRLF" \
		    "$(od -c <"$T_DIR/got")" "$(crlf <"$T_DIR/exp/$i" | od -c)"
	done
	curl -s -k -u alice:x "pop3s://127.0.0.1:$TPORT/2" >"$T_DIR/got"
	is "curl pop3s:// RETR 2 byte for byte" "$(od -c <"$T_DIR/got")" \
	    "$(crlf <"$T_DIR/exp/2" | od -c)"
	curl -s -k --ssl-reqd -u alice:x "pop3://127.0.0.1:$PORT/1" >"$T_DIR/got"
	is "curl with STLS (--ssl-reqd) RETR 1" "$(od -c <"$T_DIR/got")" \
	    "$(crlf <"$T_DIR/exp/1" | od -c)"
else
	skip "curl not installed"
fi
out=$( (printf 'USER alice\nPASS x\nSTAT\nQUIT\n'; sleep 2) |
    timeout 10 openssl s_client -quiet -starttls pop3 -crlf \
    -connect "127.0.0.1:$PORT" 2>/dev/null | tr -d '\r')
is "openssl s_client -starttls pop3: login and STAT over TLS" \
    "$(echo "$out" | grep '^+OK [0-9]')" "+OK 5 $(cat "$T_DIR"/exp/* | crlf | wc -c)"

# A 3 MB message crosses many chunks; the client reads slowly at first.
python3 -c 'import sys
for i in range(60000): sys.stdout.write("%s line %d\n" % ("." if i % 7 == 0 else "x", i))' \
    >"$T_DIR/big.body"
{ printf 'Subject: big\n\n'; cat "$T_DIR/big.body"; } >"$T_DIR/big.in"
mt deliver alice <"$T_DIR/big.in" >/dev/null
uid=$(mt message list alice INBOX | tail -n 1 | cut -f1)
mt message cat alice INBOX "$uid" >"$T_DIR/big.eml"
ok "a 3 MB message streams byte for byte to a slow reader" p3 big "$T_DIR/big.eml"

# DELE takes effect at QUIT only.
list() { mt message list alice INBOX | cut -f1 | tr '\n' ' '; }
before=$(list)
ok "DELE 1 and 3, then the connection drops without QUIT" p3 dele drop 1 3
is "a dropped session deletes nothing" "$(list)" "$before"
ok "DELE, RSET, DELE again, QUIT" p3 dele rset 1 3
is "QUIT expunged messages 1 and 3" "$(list)" \
    "$(echo "$before" | awk '{ for (i = 1; i <= NF; i++) if (i != 1 && i != 3) printf "%s ", $i }')"

if command -v fetchmail >/dev/null; then
	cat >"$T_DIR/fetchmailrc" <<RC
poll 127.0.0.1 port $PORT proto pop3 user alice there with password x is root here
    keep mda "cat >> $T_DIR/fetched"
RC
	chmod 600 "$T_DIR/fetchmailrc"
	ok "fetchmail fetches every message (keep)" env HOME="$T_DIR" \
	    fetchmail -s -f "$T_DIR/fetchmailrc" -i "$T_DIR/fetchids" --nosslcertck
	is "fetchmail got the four messages" \
	    "$(grep -c '^Subject: ' "$T_DIR/fetched")" 4
else
	skip "fetchmail not installed (tools/install-deps installs it)"
fi
ok "the daemon stops cleanly" stop_daemon

# Limits: a short idle timeout, few bad commands, and a listener on a
# non-loopback address where plaintext passwords need TLS.
addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -n 1)
# A machine with no other address gets a documentation address on lo for
# the test (root only); it still counts as "not loopback" for mailtreed.
added_addr=
if [ -z "$addr" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
   ip addr add 192.0.2.201/32 dev lo 2>/dev/null; then
	addr=192.0.2.201
	added_addr=$addr
fi
cat >"$T_DIR/d2.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
pop3_idle_timeout = 2
max_bad_commands = 3
[listener pop3]
protocol = pop3
address = 127.0.0.1
port = $PORT
tls = starttls
CONF
[ -n "$addr" ] && printf '[listener outside]\nprotocol = pop3\naddress = %s\nport = %s\ntls = starttls\n' \
    "$addr" "$PORT2" >>"$T_DIR/d2.conf"
ok "mailtreed starts with pop3_idle_timeout = 2" start_daemon "$T_DIR/d2.conf"
ok "a client that sends nothing: -ERR after 2 s, then closed" p3 timeout 2
ok "three bad commands: -ERR Too many bad commands. and closed" p3 badlimit 3
if [ -n "$addr" ]; then
	ok "from $addr (not loopback): USER/PASS/AUTH refused until STLS" \
	    $PC "$addr" "$PORT2" plaintext
else
	skip "no non-loopback address to test plaintext refusal on"
fi
[ -z "$added_addr" ] || ip addr del "$added_addr/32" dev lo 2>/dev/null
ok "log lines carry session= and user=" \
    grep -q 'session=.* user=alice maildrop messages=' "$T_DIR/daemon.log"
ok "the daemon stops cleanly" stop_daemon
done_testing
