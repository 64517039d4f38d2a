# The inbound MX (protocol smtp): ESMTP extensions, relay rules, BDAT,
# trace fields and the bad-input list, against mailtreed on loopback.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
. "$(dirname "$0")/smtp-setup"

PORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
hostname = mx.a.example
domains = a.example b.example
max_message_size = 100k
max_recipients = 50
smtp_greet_pause = 2000
[listener mx]
protocol = smtp
address = 127.0.0.1
port = $PORT
tls = starttls
CONF
ok "mailtreed starts with an smtp listener" start_daemon "$T_DIR/d.conf"
sm() { $SM 127.0.0.1 "$PORT" "$@"; }

ok "EHLO offers PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES STARTTLS SMTPUTF8 CHUNKING DSN, no AUTH" \
    sm ehlo PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES STARTTLS SMTPUTF8 CHUNKING DSN '!AUTH'
ok "smtplib delivers to two local users of two domains" \
    sm send sender@example.net alice@a.example,bob@b.example first
is "alice has it" "$(msgcount alice)" 1
is "bob has it" "$(msgcount bob)" 1
m=$(lastmsg alice)
# Several local recipients share one file: no Delivered-To, which would
# show each of them the others.
is "trace fields first: Return-Path, Received; no Delivered-To for two recipients" \
    "$(printf '%s\n' "$m" | head -2 | cut -c1-60)" \
    "$(printf 'Return-Path: <sender@example.net>\nReceived: from client.example (127.0.0.1 [127.0.0.1])')"
ok "Received names the host, ESMTP and the session id" \
    sh -c "printf '%s\n' \"\$1\" | sed -n 3p | grep -q '^	by mx.a.example (mailtreed) with ESMTP id [a-v0-9]*;\$'" _ "$m"
ok "and the date on its own line" \
    sh -c "printf '%s\n' \"\$1\" | sed -n 4p | grep -Eq '^	[A-Z][a-z]{2}, [0-9]+ [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{8} \+0000\$'" _ "$m"
is "the message follows byte for byte" "$(printf '%s\n' "$m" | tail -n +5)" \
    "$(printf 'From: sender@example.net\nTo: alice@a.example\nSubject: first\nMessage-ID: <first@test>\n\nHello.')"
fa=$(ls "$MAILTREE_STORE"/mail/alice/new/* "$MAILTREE_STORE"/mail/alice/cur/* 2>/dev/null | head -n 1)
fb=$(ls "$MAILTREE_STORE"/mail/bob/new/* "$MAILTREE_STORE"/mail/bob/cur/* 2>/dev/null | head -n 1)
is "alice's and bob's copies are one file, hard-linked (inode, link count)" \
    "$(stat -c '%i %h' "$fa")" "$(stat -c '%i 2' "$fb")"
is "bob's copy has the same bytes" "$(lastmsg bob | od -c)" "$(printf '%s\n' "$m" | od -c)"
ok "STARTTLS with smtplib, then a delivery" \
    sm send sender@example.net alice@a.example overtls starttls
ok "Received says ESMTPS over TLS" sh -c "mt message cat alice INBOX 2 | grep -q 'with ESMTPS id'"
is "one recipient: Return-Path, Delivered-To, then Received ... for <alice@a.example>" \
    "$(mt message cat alice INBOX 2 | sed -n '1,3p;5p' | cut -c1-30)" \
    "$(printf 'Return-Path: <sender@example.n\nDelivered-To: alice@a.example\nReceived: from client.example \n\tfor <alice@a.example>;')"
ok "STARTTLS resets the session; not offered twice" sm starttls_raw
ok "pipelined MAIL, RCPTs and DATA: replies in order (250, 550 5.1.1, 554 5.7.1, 354, 250)" \
    sm pipeline alice@a.example
is "unknown user: 550 5.1.1" "$(sm reply 'EHLO c' 'MAIL FROM:<s@x.example>' 'RCPT TO:<nobody@a.example>' '550 5.1.1' && echo y)" y
is "relaying to another domain: 554 5.7.1" "$(sm reply 'EHLO c' 'MAIL FROM:<s@x.example>' 'RCPT TO:<alice@c.example>' '554 5.7.1' && echo y)" y
is "DATA without a valid recipient: 554" "$(sm reply 'EHLO c' 'MAIL FROM:<s@x.example>' 'DATA' '554 5.5.1' && echo y)" y
ok "postmaster without a domain is local (RFC 5321 4.5.1)" \
    sh -c "printf 'postmaster: alice\n' >'$MAILTREE_STORE/aliases' && $SM 127.0.0.1 $PORT reply 'EHLO c' 'MAIL FROM:<s@x.example>' 'RCPT TO:<postmaster>' '250 2.1.5'"
rm -f "$MAILTREE_STORE/aliases"
# Several addresses of one mailbox in one transaction: one copy.
printf 'alice.smith: alice\n' >"$MAILTREE_STORE/aliases"
n=$(msgcount alice); nb=$(msgcount bob)
ok "alice's address twice, her alias and bob in one transaction" \
    sm send sender@example.net alice@a.example,alice.smith@b.example,alice@a.example,bob@b.example dup
is "alice gets one copy" "$(msgcount alice)" $((n + 1))
is "bob gets his" "$(msgcount bob)" $((nb + 1))
ok "the log says why" grep -q "rcpt=alice.smith@b.example: the same mailbox as alice@a.example: one copy" "$T_DIR/daemon.log"
rm -f "$MAILTREE_STORE/aliases"
n=$(msgcount alice)
ok "BDAT in two chunks, a lone dot inside is data" sm bdat alice@a.example
is "the chunked message is stored with LF endings, the dot kept" \
    "$(lastmsg alice | tail -n 5 | od -c)" \
    "$(printf 'Subject: chunked\n\nline one\n.\nafter the dot\nlast line\n' | tail -n 5 | od -c)"
ok "BDAT errors: bad size, wrong state, a size too short, DATA after BDAT" \
    sm bdat_bad alice@a.example
is "two messages stored from those (short BDAT, then DATA)" "$(msgcount alice)" $((n + 3))
ok "the short BDAT stored exactly its 12 octets" \
    sh -c "mt message cat alice INBOX $(mt message list alice INBOX | sed -n $((n + 2))p | cut -f1) | tail -n 2 | grep -qx 'Subject: w'"
n=$(msgcount alice)
ok "SIZE over the limit: 552 at MAIL and after DATA" sm size alice@a.example 102400
ok "BDAT over the limit: 552, then the transaction is gone" sm bdat_size alice@a.example 102400
is "nothing stored from those" "$(msgcount alice)" "$n"
is "nothing left in tmp/" "$(tmpcount alice)" 0
ok "a 5,000-octet line in DATA is accepted" sm longline alice@a.example 5000
is "and stored whole" "$(lastmsg alice | tail -n 1 | wc -c)" 5001
ok "a header-only message" sm data_raw alice@a.example headeronly
is "stored as sent" "$(lastmsg alice | tail -n 1)" "Subject: header only"
ok "a body-only message" sm data_raw alice@a.example bodyonly
is "stored with its empty header" "$(lastmsg alice | tail -n 2 | od -c)" "$(printf '\nbody only\n' | od -c)"
n=$(msgcount alice)
ok "QUIT in the middle of a transaction: 221" sm quit_mid alice@a.example
ok "10,000 pipelined RCPTs: 50 accepted (the limit), 9,950 get 452 4.5.3" \
    sm many_rcpts alice@a.example 10000 50
is "nothing stored by either" "$(msgcount alice)" "$n"
ok "commands out of order, bad parameters, SMTPUTF8 and DSN parameters" sm badcmds
ok "a command before the greeting: 554 and the connection is closed" sm pregreet
ok "the log says so" grep -q "command sent before the greeting" "$T_DIR/daemon.log"
ok "log lines carry session, peer and what happened" \
    grep -q "session=[a-v0-9]* peer=127.0.0.1 rcpt=bob@b.example from=<sender@example.net> saved" "$T_DIR/daemon.log"
if command -v swaks >/dev/null; then
	ok "swaks: STARTTLS, PIPELINING and a delivery" \
	    swaks --server 127.0.0.1:$PORT --tls --pipeline -f s@example.net \
	    -t bob@b.example --h-Subject swaks --silent 2
	is "bob has swaks's message" "$(lastmsg bob | grep -c '^Subject: swaks')" 1
else
	skip "swaks not installed"
fi
ok "SIGTERM: exit status 0" stop_daemon

cat >"$T_DIR/bad.conf" <<CONF
store = $MAILTREE_STORE
[listener mx]
protocol = smtp
port = 2525
CONF
"$MAILTREED" -f -c "$T_DIR/bad.conf" 2>"$T_DIR/bad.err"
is "an smtp listener without domains is refused" $? 78
ok "with the reason" grep -q "bad.conf:2: smtp and submission need domains" "$T_DIR/bad.err"
done_testing
