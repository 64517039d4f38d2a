# Submission (RFC 6409) on 587 with STARTTLS and 465 with implicit TLS:
# AUTH, the sender rules, the header fields a submission server adds,
# local recipients straight into the store and remote ones into the queue.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
. "$(dirname "$0")/smtp-setup"

PORT=$(free_port) TPORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
hostname = mail.a.example
domains = a.example
auth_fail_delay = 100
# the queue is looked at, not run, here: no relayhost is reachable
relayhost = 127.0.0.1:9
queue_retry = 3600
[listener submission]
protocol = submission
address = 127.0.0.1
port = $PORT
tls = starttls
[listener submissions]
protocol = submission
address = 127.0.0.1
port = $TPORT
tls = implicit
CONF
printf 'sales@a.example: alice\n' >"$MAILTREE_STORE/aliases"
ok "mailtreed starts with submission listeners" start_daemon "$T_DIR/d.conf"
sm() { $SM 127.0.0.1 "$PORT" "$@"; }

ok "EHLO offers AUTH PLAIN LOGIN (loopback), CHUNKING, DSN, SMTPUTF8" \
    sm ehlo AUTH STARTTLS CHUNKING DSN SMTPUTF8 PIPELINING
ok "MAIL before AUTH: 530 5.7.0" sm sub_noauth
ok "AUTH PLAIN after STARTTLS: 235" sm auth PLAIN alice x 235
ok "AUTH LOGIN after STARTTLS: 235" sm auth LOGIN alice x 235
ok "a wrong password: 535 5.7.8" sm auth PLAIN alice wrong 535
ok "AUTH errors: unknown mechanism 504, bad base64 501, '*' aborts with 501" \
    sm auth_bad
ok "smtplib: STARTTLS, login, a message to a local user" \
    sm send alice@a.example bob@a.example local starttls login=alice:x
is "bob has it" "$(msgcount bob)" 1
m=$(lastmsg bob)
ok "Received says ESMTPSA" sh -c "printf '%s\n' \"\$1\" | grep -q 'with ESMTPSA id'" _ "$m"
ok "implicit TLS on the second port" \
    $SM 127.0.0.1 "$TPORT" send alice@a.example bob@a.example implicit implicit login=alice:x
ok "an alias of the user may be the sender" \
    sm sub_auth_raw alice x 'MAIL FROM:<sales@a.example>=>250' \
    'RCPT TO:<bob@a.example>=>250' 'DATA=>354' \
    '<DATA>=>From: Sales <sales@a.example>\nSubject: alias\n\nhi\n|250'
ok "another user's address is refused: 550 5.7.1" \
    sm sub_auth_raw alice x 'MAIL FROM:<bob@a.example>=>550 5.7.1' \
    'MAIL FROM:<>=>550 5.7.1' 'MAIL FROM:<alice@other.example>=>550 5.7.1'
n=$(msgcount bob)
ok "a From: header of someone else: 550 5.7.1 after DATA" \
    sm sub_auth_raw alice x 'MAIL FROM:<alice@a.example>=>250' \
    'RCPT TO:<bob@a.example>=>250' 'DATA=>354' \
    '<DATA>=>From: "Bob" <bob@a.example>\nSubject: forged\n\nhi\n|550 5.7.1'
is "and nothing stored" "$(msgcount bob)" "$n"
ok "a message without Date, Message-ID and From" \
    sm sub_auth_raw alice x 'MAIL FROM:<alice@a.example>=>250' \
    'RCPT TO:<bob@a.example>=>250' 'DATA=>354' \
    '<DATA>=>Subject: bare\n\nno date\n|250'
m=$(lastmsg bob)
ok "gets a Date:" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^Date: [A-Z][a-z]{2}, '" _ "$m"
ok "a Message-ID: at the host name" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^Message-ID: <[0-9]+\.[0-9a-f]{16}@mail\.a\.example>\$'" _ "$m"
ok "and a From: with the envelope sender" sh -c "printf '%s\n' \"\$1\" | grep -qx 'From: <alice@a.example>'" _ "$m"
ok "the message's own fields are kept, after the added ones" \
    sh -c "printf '%s\n' \"\$1\" | tail -n 3 | od -c | head -1 | grep -q 'S   u   b'" _ "$m"
ok "a remote recipient (given twice): 250 with the queue id" \
    sm sub_auth_raw alice x 'MAIL FROM:<alice@a.example> RET=HDRS ENVID=e1=>250' \
    'RCPT TO:<carol@remote.example> NOTIFY=FAILURE ORCPT=rfc822;carol@remote.example=>250' \
    'RCPT TO:<bob@a.example>=>250' 'RCPT TO:<carol@remote.example>=>250' 'DATA=>354' \
    '<DATA>=>From: alice@a.example\nSubject: out\n\nto the world\n|250 2.0.0 OK queued as'
env=$(ls "$MAILTREE_STORE/queue/"*.env)
is "one queue entry" "$(ls "$MAILTREE_STORE/queue/" | grep -c '\.env$')" 1
ok "its envelope has the sender, user, DSN parameters and the remote recipient, once" \
    sh -c "grep -qx 'sender <alice@a.example>' '$env' && grep -qx 'user alice' '$env' && grep -qx 'envid e1' '$env' && grep -qx 'ret hdrs' '$env' && grep -qx 'rcpt pending 4 rfc822;carol@remote.example <carol@remote.example>' '$env' && [ \$(grep -c '^rcpt' '$env') = 1 ]"
ok "its message has Received first, then the message" \
    sh -c "head -1 '${env%.env}.msg' | grep -q '^Received: from client.example' && tail -n 1 '${env%.env}.msg' | grep -qx 'to the world'"
is "the local recipient got it too" "$(lastmsg bob | tail -n 1)" "to the world"
ok "log lines say queued with the id" grep -q "rcpt=carol@remote.example from=<alice@a.example> queued id=" "$T_DIR/daemon.log"
# NOTIFY=SUCCESS for a local recipient: a "delivered" report.
a0=$(msgcount alice)
ok "a local recipient with NOTIFY=SUCCESS,FAILURE" \
    sm sub_auth_raw alice x 'MAIL FROM:<alice@a.example> ENVID=s1=>250' \
    'RCPT TO:<bob@a.example> NOTIFY=SUCCESS,FAILURE=>250' 'DATA=>354' \
    '<DATA>=>From: alice@a.example\nSubject: tell me\n\nthe body\n|250'
ok "the sender gets a report in her INBOX" wait_for 5 test "$(msgcount alice)" -gt "$a0"
m=$(lastmsg alice)
ok "Successful Mail Delivery Report, from the null sender" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Return-Path: <>' && printf '%s\n' \"\$1\" | grep -qx 'Subject: Successful Mail Delivery Report'" _ "$m"
ok "Final-Recipient bob, Action: delivered, Status: 2.0.0, the ENVID" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Final-Recipient: rfc822; bob@a.example' && printf '%s\n' \"\$1\" | grep -qx 'Action: delivered' && printf '%s\n' \"\$1\" | grep -qx 'Status: 2.0.0' && printf '%s\n' \"\$1\" | grep -qx 'Original-Envelope-Id: s1'" _ "$m"
ok "with the UID, and the header of the message only" sh -c "printf '%s\n' \"\$1\" | grep -q '^Diagnostic-Code: smtp; 250 2.0.0 saved as UID [0-9]' && printf '%s\n' \"\$1\" | grep -qx 'Subject: tell me' && ! printf '%s\n' \"\$1\" | grep -q 'the body'" _ "$m"
a0=$(msgcount alice)
ok "without NOTIFY=SUCCESS" \
    sm sub_auth_raw alice x 'MAIL FROM:<alice@a.example>=>250' \
    'RCPT TO:<bob@a.example>=>250' 'DATA=>354' \
    '<DATA>=>From: alice@a.example\nSubject: quiet\n\nx\n|250'
sleep 1
is "no report" "$(msgcount alice)" "$a0"
if command -v swaks >/dev/null; then
	ok "swaks: STARTTLS and AUTH LOGIN" \
	    swaks --server 127.0.0.1:$PORT --tls -a LOGIN -au alice -ap x \
	    -f alice@a.example -t bob@a.example --silent 2
else
	skip "swaks not installed"
fi
ok "SIGTERM: exit status 0" stop_daemon
done_testing
