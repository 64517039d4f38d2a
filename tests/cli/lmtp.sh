# LMTP conversations with mailtreed over TCP, STARTTLS, implicit TLS and a
# UNIX socket: replies, stored bytes, limits and bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"

PORT=$(free_port) TPORT=$(free_port)
SOCK=$T_DIR/lmtp.sock
cat >"$T_DIR/d.conf" <<CONF
# test configuration
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
max_message_size = 100k
max_line_length = 2048
[listener tcp]
protocol = lmtp
address = 127.0.0.1
port = $PORT
tls = starttls
[listener tls]
protocol = lmtp
address = 127.0.0.1
port = $TPORT
tls = implicit
[listener unix]
protocol = lmtp
socket = $SOCK
socket_mode = 0660
CONF
ok "mailtreed starts" start_daemon "$T_DIR/d.conf"
lm() { $PY 127.0.0.1 "$PORT" "$@"; }

ok "LHLO lists PIPELINING ENHANCEDSTATUSCODES 8BITMIME SIZE STARTTLS" \
    lm lhlo 102400
ok "a delivery to two users gets one 250 per recipient" lm two
expect() {	# the message as stored: trace fields, then LF line endings
	printf 'Return-Path: <%s>\nDelivered-To: %s\n' "$1" "$2"
	printf 'From: a@example.org\nTo: b@example.org\nSubject: %s\n' "$3"
	printf 'Message-ID: <%s@test>\n\n%b' "$3" "$4"
}
is "alice's copy, byte for byte" "$(mt message cat alice INBOX 1 | od -c)" \
    "$(expect sender@example.org alice@example.org two 'Hello.\n' | od -c)"
is "bob's copy has his Delivered-To" "$(mt message cat bob INBOX 1 | od -c)" \
    "$(expect sender@example.org bob two 'Hello.\n' | od -c)"
ok "an unknown user gets 550 5.1.1, the other recipient 250" lm unknown
is "alice has the second message" "$(msgcount alice)" 2
ok "STARTTLS, then a delivery over TLS" lm starttls
ok "implicit TLS delivery" $PY 127.0.0.1 "$TPORT" implicit
ok "SIZE over the limit: 552 5.3.4 at MAIL and after DATA" lm size 102400
is "the over-size message is not stored" "$(msgcount alice)" 4
is "and nothing is left in tmp/" "$(tmpcount alice)" 0
ok "pipelined commands in one write: replies in order" lm pipeline
ok "dot-stuffed lines" lm dots
n=$(msgcount alice)
is "dot-stuffing undone in the stored message" \
    "$(mt message cat alice INBOX "$n" | tail -n 4 | od -c)" \
    "$(printf '.\n..two\n.x\nend.\n' | od -c)"
ok "bad sequences and unknown commands" lm errors
ok "an over-long line and a NUL byte: 500 5.5.2 and the session goes on" \
    lm longline
ok "too many bad commands: 421 and the connection ends" lm badlimit
ok "garbage instead of a TLS handshake after STARTTLS: closed" \
    lm garbage_tls
ok "garbage on the implicit TLS port: closed" \
    $PY 127.0.0.1 "$TPORT" garbage_implicit
before=$(msgcount alice)
ok "a client disconnecting in the middle of DATA" lm middata
sleep 0.3
is "nothing stored from the broken DATA" "$(msgcount alice)" "$before"
is "nothing left in tmp/ either" "$(tmpcount alice)$(tmpcount bob)" 00
ok "the UNIX socket serves LMTP" $PY - "$SOCK" two
is "the socket has mode 0660" "$(stat -c %a "$SOCK")" 660
printf 'Subject: concurrent\n\nfour connections, one folder\n' >"$T_DIR/c.eml"
before=$(msgcount alice)
ok "200 messages on 4 connections to one user: every one gets 250" \
    python3 "$(dirname "$0")/../bench/lmtp-load.py" 127.0.0.1 "$PORT" 200 4 \
    "$T_DIR/c.eml" alice
is "and all 200 are stored" "$(msgcount alice)" $((before + 200))
ok "the daemon still answers after all that" lm two
printf '# other addresses of the users\npostmaster: alice\nsales@example.org: bob\n' \
    >"$MAILTREE_STORE/aliases"
b0=$(msgcount bob) a0=$(msgcount alice)
ok "aliases: postmaster@any and sales@example.org are accepted" \
    lm alias postmaster@example.net sales@example.org
is "the local-part alias reached alice" "$(msgcount alice)" $((a0 + 1))
is "the whole-address alias reached bob" "$(msgcount bob)" $((b0 + 1))
ok "the copy keeps the address it was sent to in Delivered-To" \
    sh -c "mt message cat bob INBOX $(mt message list bob INBOX | tail -1 | cut -f1) | grep -qx 'Delivered-To: sales@example.org'"
ok "sales at another domain is unknown" lm rcpt-reply sales@other.example '550 5.1.1'
printf 'postmaster alice\n' >"$MAILTREE_STORE/aliases"
ok "a malformed aliases file: 451 (try later), not 550" lm rcpt-reply postmaster@x '451'
ok "and the log names the file and line" grep -q 'aliases:1: not' "$T_DIR/daemon.log"
rm -f "$MAILTREE_STORE/aliases"
ok "log lines carry session= and peer=" \
    grep -q "session=[a-v0-9]* peer=127.0.0.1 rcpt=alice@example.org from=<sender@example.org> saved" \
    "$T_DIR/daemon.log"
ok "SIGTERM: exit status 0" stop_daemon
ok "the UNIX socket is removed" test ! -e "$SOCK"

cat >"$T_DIR/bad.conf" <<CONF
store = $MAILTREE_STORE
[listener x]
protocol = lmtp
port = 70000
CONF
"$MAILTREED" -f -c "$T_DIR/bad.conf" 2>"$T_DIR/bad.err"
is "a bad configuration is refused (EX_CONFIG)" $? 78
ok "with file:line: reason" grep -q "bad.conf:4: value out of range" \
    "$T_DIR/bad.err"
done_testing
