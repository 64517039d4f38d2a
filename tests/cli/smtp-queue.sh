# The outbound queue: submission to remote addresses relayed to a
# smarthost (a small SMTP sink on loopback) with STARTTLS, AUTH and DKIM,
# retries while it is down, several messages on one connection, DSNs for
# refused recipients and for expired messages, a restart with messages
# queued, and mailtree queue.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
. "$(dirname "$0")/smtp-setup"
# Debian's python3-dkim is in the system Python, which may not be the
# first python3 on PATH.
DKIMPY=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import dkim' 2>/dev/null && { DKIMPY=$p; break; }
done
[ -n "$DKIMPY" ] || { skip "needs python3-dkim"; done_testing; exit; }

PORT=$(free_port) SINKPORT=$(free_port)
SINK=$T_DIR/sink
mkdir -p "$SINK"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_DIR/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T_DIR/ed.pem" 2>/dev/null
printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$T_DIR/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$T_DIR/rsa.txt"
printf 'v=DKIM1; k=ed25519; p=%s' "$(openssl pkey -in "$T_DIR/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)" >"$T_DIR/ed.txt"
SPID=
start_sink() {
	rm -f "$SINK/ready"
	python3 "$(dirname "$0")/smtp-sink.py" "$SINKPORT" "$SINK" --tls "$T_DIR/cert.pem" "$T_DIR/key.pem" --auth relay:secret --reject refuse@remote.example "$@" &
	SPID=$!
	for _ in $(seq 100); do [ -e "$SINK/ready" ] && return 0; sleep 0.05; done
	return 1
}
# stop_sink: stops it and forgets what it kept (it counts from 1 again).
stop_sink() { [ -n "$SPID" ] && kill "$SPID" && wait "$SPID" 2>/dev/null; SPID=; rm -f "$SINK"/*; return 0; }
trap '[ -n "$SPID" ] && kill "$SPID"; [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; [ -n "${KEEP_LOG:-}" ] && cp "$T_DIR/daemon.log" "$KEEP_LOG"; rm -rf "$T_DIR"' EXIT
# wait_for 'SHELL CODE': up to 15 s for it to succeed, evaluated anew
# each time.
wait_for() { for _ in $(seq 150); do eval "$1" && return 0; sleep 0.1; done; return 1; }
sinkcount() { ls "$SINK" | grep -c '\.eml$'; }
qcount() { ls "$MAILTREE_STORE/queue" 2>/dev/null | grep -c '\.env$'; }
conf() {	# conf RELAYPORT LIFETIME
	cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
hostname = mail.a.example
domains = a.example b.example
relayhost = 127.0.0.1:$1
relay_user = relay
relay_password = secret
queue_retry = 1
queue_lifetime = $2
dkim = a.example sel1 $T_DIR/rsa.pem
dkim = b.example sel2 $T_DIR/ed.pem
[listener submission]
protocol = submission
address = 127.0.0.1
port = $PORT
tls = starttls
CONF
}
send() {	# send FROM TO SUBJECT [HEADER-FROM]
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@a.example>\r\n\r\nLine one.\r\n.leading dot\r\n  spaced   line  \r\n\r\n' "${4:-$1}" "$2" "$3" "$3" >"$T_DIR/m.eml"
	$SM 127.0.0.1 "$PORT" send "$1" "$2" "$T_DIR/m.eml" starttls login=alice:x
}

conf "$SINKPORT" 3600
ok "the smarthost (a sink with STARTTLS and AUTH) starts" start_sink
ok "mailtreed starts with a relayhost and two DKIM keys" start_daemon "$T_DIR/d.conf"
ok "a message to a remote address is accepted" send alice@a.example carol@remote.example one
ok "and relayed to the smarthost" wait_for 'test "$(sinkcount)" = 1'
ok "the queue is empty again" wait_for 'test "$(qcount)" = 0'
ok "over STARTTLS, after AUTH as the relay user" grep -qx 'tls True' "$SINK/1.env"
ok "with the envelope" sh -c "grep -q '^MAIL FROM:<alice@a.example> BODY=8BITMIME RET=FULL' '$SINK/1.env' && grep -qx 'RCPT TO:<carol@remote.example>' '$SINK/1.env'"
is "the bytes: DKIM-Signature, Received, then the message with CRLF" \
    "$(sed -n '1p' "$SINK/1.eml" | cut -c1-56)" "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d="
ok "the dot-stuffed line arrived as sent" grep -q '^\.leading dot' "$SINK/1.eml"
is "and the body ends as submitted, spaces and empty line kept" \
    "$(tail -c 21 "$SINK/1.eml" | od -c)" \
    "$(printf '  spaced   line  \r\n\r\n' | od -c)"
ok "the rsa-sha256 signature verifies with python3-dkim" \
    $DKIMPY "$(dirname "$0")/dkim-verify.py" "$SINK/1.eml" "$T_DIR/rsa.txt"
ok "and fails for a changed body" sh -c "sed 's/Line one/Line 1/' '$SINK/1.eml' >'$T_DIR/bad.eml'; ! $DKIMPY '$(dirname "$0")/dkim-verify.py' '$T_DIR/bad.eml' '$T_DIR/rsa.txt'"
ok "a b.example sender is signed with ed25519-sha256" send alice@b.example dave@remote.example two
ok "relayed" wait_for 'test "$(sinkcount)" = 2'
ok "the ed25519-sha256 signature verifies" \
    sh -c "grep -q 'a=ed25519-sha256' '$SINK/2.eml' && $DKIMPY '$(dirname "$0")/dkim-verify.py' '$SINK/2.eml' '$T_DIR/ed.txt'"
ok "envelope at a.example, From: at b.example" \
    send alice@a.example erin@remote.example twob alice@b.example
ok "relayed" wait_for 'test "$(sinkcount)" = 3'
ok "signed for the From: domain, which DMARC aligns with (d=b.example, ed25519)" \
    sh -c "grep -q 'd=b.example' '$SINK/3.eml' && $DKIMPY '$(dirname "$0")/dkim-verify.py' '$SINK/3.eml' '$T_DIR/ed.txt'"

a0=$(msgcount alice)
ok "a recipient the smarthost refuses (550)" send alice@a.example refuse@remote.example three
ok "gives a DSN to the local sender, in her INBOX" wait_for 'test "$(msgcount alice)" = $((a0 + 1))'
m=$(lastmsg alice)
ok "from the null sender, a multipart/report" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Return-Path: <>' && printf '%s\n' \"\$1\" | grep -q 'Content-Type: multipart/report; report-type=delivery-status'" _ "$m"
ok "naming the recipient, status and the smarthost's reply" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Final-Recipient: rfc822; refuse@remote.example' && printf '%s\n' \"\$1\" | grep -qx 'Status: 5.1.1' && printf '%s\n' \"\$1\" | grep -q 'Diagnostic-Code: smtp; 550 5.1.1'" _ "$m"
ok "with the original message" sh -c "printf '%s\n' \"\$1\" | grep -q '^Subject: three'" _ "$m"
ok "the queue is empty" wait_for 'test "$(qcount)" = 0'

stop_sink
ok "with the smarthost down, two messages are accepted" \
    sh -c "$(declare -f send); SM='$SM' PORT=$PORT T_DIR=$T_DIR; send alice@a.example e1@remote.example four && send alice@a.example e2@remote.example five"
ok "and wait in the queue" wait_for 'test "$(qcount)" = 2'
ok "the log says deferred, with the reason" wait_for 'grep -q "rcpt=e1@remote.example status=deferred: connect to 127.0.0.1\[127.0.0.1\]" "$T_DIR/daemon.log"'
ok "mailtree queue list shows both" sh -c "[ \$(mt queue list | grep -c 'alice@a.example') = 2 ]"
id=$(mt queue list | head -1 | cut -d' ' -f1)
ok "mailtree queue show prints the envelope" sh -c "mt queue show $id | grep -q '^rcpt pending'"
ok "attempts are counted" wait_for "mt queue show $id | grep -Eq '^attempts [2-9]'"
ok "SIGTERM while messages wait: exit status 0" stop_daemon
ok "restart with the messages queued" start_daemon "$T_DIR/d.conf"
ok "the smarthost comes back" start_sink
ok "mailtree queue flush" mt queue flush
ok "both are relayed" wait_for 'test "$(sinkcount)" = 2'
ok "on one connection" sh -c "[ \$(cat '$SINK/1.env' '$SINK/2.env' | grep '^conn' | sort -u | wc -l) = 1 ]"
ok "the queue is empty" wait_for 'test "$(qcount)" = 0'
ok "SIGTERM: exit status 0" stop_daemon
stop_sink

# Expiry: a tiny lifetime and a smarthost that never answers.
conf "$(free_port)" 2
ok "restart with queue_lifetime = 2 and a dead smarthost" start_daemon "$T_DIR/d.conf"
a0=$(msgcount alice)
ok "a message is accepted" send alice@a.example late@remote.example six
ok "after the lifetime, a DSN reaches the sender" wait_for 'test "$(msgcount alice)" = $((a0 + 1))'
ok "saying the time expired, with the last error" sh -c "mt message cat alice INBOX \$(mt message list alice INBOX | tail -1 | cut -f1) | grep -q 'delivery time expired (2 s); last error: connect to'"
ok "the queue is empty" wait_for 'test "$(qcount)" = 0'
# The null sender gets no DSN: an entry put there by hand.
mkdir -p "$MAILTREE_STORE/queue"
printf 'Subject: bounce\n\nx\n' >"$MAILTREE_STORE/queue/0000000100000001.msg"
printf 'mailtree-queue 1\ncreated 1\nnext 0\nattempts 0\nsender <>\nrcpt pending 0 - <x@remote.example>\n' >"$MAILTREE_STORE/queue/0000000100000001.env"
a0=$(msgcount alice)
ok "a message from the null sender that expires" wait_for 'test "$(qcount)" = 0'
ok "is dropped without a DSN" grep -q "queue id=0000000100000001 from=<> rcpt=x@remote.example status=failed" "$T_DIR/daemon.log"
is "nothing came back" "$(msgcount alice)" "$a0"
ok "mailtree queue delete" sh -c "$(declare -f send); SM='$SM' PORT=$PORT T_DIR=$T_DIR; send alice@a.example z@remote.example seven && id=\$(MAILTREE_STORE=$MAILTREE_STORE $MAILTREE_BUILD/mailtree queue list | head -1 | cut -d' ' -f1) && MAILTREE_STORE=$MAILTREE_STORE $MAILTREE_BUILD/mailtree queue delete \$id"
is "removes the entry" "$(qcount)" 0
ok "SIGTERM: exit status 0" stop_daemon

# SIGHUP takes a new relayhost and new DKIM keys; a reload with a key
# that cannot be read is refused and the running ones stay.
conf "$(free_port)" 3600
ok "restart with a dead smarthost" start_daemon "$T_DIR/d.conf"
ok "a message is accepted" send alice@a.example r1@remote.example eight
ok "and deferred" wait_for 'grep -q "rcpt=r1@remote.example status=deferred" "$T_DIR/daemon.log"'
ok "a smarthost starts on another port" start_sink
conf "$SINKPORT" 3600
sed -i "s|^dkim = a.example .*|dkim = a.example sel3 $T_DIR/ed.pem|" "$T_DIR/d.conf"
kill -HUP "$DPID"
ok "SIGHUP: reloaded" wait_for 'grep -q "configuration and certificates reloaded" "$T_DIR/daemon.log"'
ok "the queue runner takes the new settings" wait_for 'grep -q "relay settings and DKIM keys reloaded" "$T_DIR/daemon.log"'
ok "mailtree queue flush" mt queue flush
ok "the message goes to the new relayhost" wait_for 'test "$(sinkcount)" = 1'
ok "signed with the new key (s=sel3, ed25519), which verifies" \
    sh -c "grep -q 's=sel3' '$SINK/1.eml' && $DKIMPY '$(dirname "$0")/dkim-verify.py' '$SINK/1.eml' '$T_DIR/ed.txt'"
sed -i "s|^dkim = a.example .*|dkim = a.example sel4 $T_DIR/missing.pem|" "$T_DIR/d.conf"
kill -HUP "$DPID"
ok "a reload with a key that cannot be read is refused" \
    wait_for 'grep -q "reload failed, keeping the running configuration: .*missing.pem" "$T_DIR/daemon.log"'
ok "a message after it" send alice@a.example r2@remote.example nine
ok "is relayed as before" wait_for 'test "$(sinkcount)" = 2'
ok "signed with the key in use (s=sel3)" grep -q 's=sel3' "$SINK/2.eml"
ok "SIGTERM: exit status 0" stop_daemon
stop_sink

# relay_tls_verify: the relay password only goes to a smarthost whose
# certificate verifies for the name it is given by (here a self-signed
# one for CN=localhost).
vconf() {	# vconf HOST [CA-FILE]
	conf "$SINKPORT" 3600
	sed -i "s|^relayhost = .*|relayhost = $1:$SINKPORT\nrelay_tls_verify = yes|" "$T_DIR/d.conf"
	if [ -n "${2:-}" ]; then
		sed -i "s|^relay_tls_verify = yes|&\nrelay_tls_ca = $2|" "$T_DIR/d.conf"
	fi
}
vconf localhost
ok "the smarthost starts" start_sink
ok "mailtreed starts with relay_tls_verify = yes and the system's CAs" start_daemon "$T_DIR/d.conf"
ok "a message is accepted" send alice@a.example v1@remote.example ten
ok "and deferred: the certificate does not verify" \
    wait_for 'grep -q "rcpt=v1@remote.example status=deferred: localhost\[.*\]: certificate not trusted: self.signed certificate" "$T_DIR/daemon.log"'
is "nothing reached the smarthost" "$(sinkcount)" 0
reloads() { grep -c "relay settings and DKIM keys reloaded" "$T_DIR/daemon.log"; }
vconf localhost "$T_DIR/cert.pem"
r0=$(reloads)
kill -HUP "$DPID"
ok "a reload with relay_tls_ca naming its CA" wait_for 'test "$(reloads)" -gt $r0'
ok "mailtree queue flush" mt queue flush
ok "the message is relayed" wait_for 'test "$(sinkcount)" = 1'
ok "over TLS, after AUTH as the relay user" sh -c "grep -qx 'tls True' '$SINK/1.env' && grep -qx 'auth relay' '$SINK/1.env'"
vconf 127.0.0.1 "$T_DIR/cert.pem"
r0=$(reloads)
kill -HUP "$DPID"
ok "a reload naming the smarthost by an address its certificate lacks" wait_for 'test "$(reloads)" -gt $r0'
ok "a message is accepted" send alice@a.example v2@remote.example eleven
ok "and deferred: the name does not match" \
    wait_for 'grep -q "rcpt=v2@remote.example status=deferred: 127.0.0.1\[127.0.0.1\]: certificate not trusted: IP address mismatch" "$T_DIR/daemon.log"'
is "nothing more reached the smarthost" "$(sinkcount)" 1
ok "SIGTERM: exit status 0" stop_daemon
stop_sink
# NOTIFY=SUCCESS (RFC 3461): a smarthost that offers DSN is asked to
# report; one that does not gets the message, and the sender a
# "relayed" report from here.
conf "$SINKPORT" 3600
ok "a smarthost without DSN starts" start_sink --no-dsn
ok "mailtreed starts" start_daemon "$T_DIR/d.conf"
a0=$(msgcount alice)
printf 'From: alice@a.example\r\nSubject: tell me\r\n\r\nLine one.\r\n  spaced   line  \r\n' >"$T_DIR/m.eml"
ok "a message with NOTIFY=SUCCESS,FAILURE" $SM 127.0.0.1 "$PORT" send alice@a.example s1@remote.example "$T_DIR/m.eml" starttls login=alice:x notify=SUCCESS,FAILURE
ok "is relayed, without NOTIFY, which the smarthost does not take" \
    wait_for 'cat "$SINK"/*.env 2>/dev/null | grep -qx "RCPT TO:<s1@remote.example>"'
ok "the sender gets one report, in her INBOX" wait_for 'test "$(msgcount alice)" = $((a0 + 1))'
m=$(lastmsg alice)
ok "Successful Mail Delivery Report, Action: relayed, Status: 2.0.0" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Subject: Successful Mail Delivery Report' && printf '%s\n' \"\$1\" | grep -qx 'Final-Recipient: rfc822; s1@remote.example' && printf '%s\n' \"\$1\" | grep -qx 'Action: relayed' && printf '%s\n' \"\$1\" | grep -qx 'Status: 2.0.0'" _ "$m"
ok "with the smarthost's reply and the header only" sh -c "printf '%s\n' \"\$1\" | grep -q '^Diagnostic-Code: smtp; 250 2.0.0 ok queued as sink[0-9]' && printf '%s\n' \"\$1\" | grep -qx 'Content-Type: text/rfc822-headers' && ! printf '%s\n' \"\$1\" | grep -q 'spaced   line'" _ "$m"
ok "SIGTERM: exit status 0" stop_daemon
stop_sink
ok "a smarthost with DSN starts" start_sink
ok "mailtreed starts" start_daemon "$T_DIR/d.conf"
a0=$(msgcount alice)
ok "a message with NOTIFY=SUCCESS" $SM 127.0.0.1 "$PORT" send alice@a.example s2@remote.example "$T_DIR/m.eml" starttls login=alice:x notify=SUCCESS
ok "is relayed with NOTIFY for the smarthost to report" \
    wait_for 'cat "$SINK"/*.env 2>/dev/null | grep -qx "RCPT TO:<s2@remote.example> NOTIFY=SUCCESS"'
sleep 1
is "and no report from here" "$(msgcount alice)" "$a0"
ok "SIGTERM: exit status 0" stop_daemon
stop_sink

# queue_delay_warning: a sender whose message waits that long is told
# once, for the recipients that did not say NOTIFY without DELAY.
conf "$(free_port)" 3600
sed -i 's|^queue_retry = 1$|&\nqueue_delay_warning = 1|' "$T_DIR/d.conf"
ok "mailtreed starts with queue_delay_warning = 1 and a dead smarthost" start_daemon "$T_DIR/d.conf"
a0=$(msgcount alice)
ok "a message without NOTIFY" send alice@a.example d1@remote.example thirteen
ok "and one with NOTIFY=FAILURE" $SM 127.0.0.1 "$PORT" send alice@a.example d2@remote.example "$T_DIR/m.eml" starttls login=alice:x notify=FAILURE
ok "the sender is told of the first" wait_for 'test "$(msgcount alice)" = $((a0 + 1))'
m=$(lastmsg alice)
ok "Delayed Mail, Action: delayed, a 4.x.x status, until when" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Subject: Delayed Mail (still being retried)' && printf '%s\n' \"\$1\" | grep -qx 'Final-Recipient: rfc822; d1@remote.example' && printf '%s\n' \"\$1\" | grep -qx 'Action: delayed' && printf '%s\n' \"\$1\" | grep -qx 'Status: 4.0.0' && printf '%s\n' \"\$1\" | grep -q '^Will-Retry-Until: '" _ "$m"
ok "with the last error and the header only" sh -c "printf '%s\n' \"\$1\" | grep -q '^Diagnostic-Code: smtp; connect to' && printf '%s\n' \"\$1\" | grep -qx 'Content-Type: text/rfc822-headers' && ! printf '%s\n' \"\$1\" | grep -q '^Line one'" _ "$m"
ok "not about the second" sh -c "! printf '%s\n' \"\$1\" | grep -q 'd2@remote.example'" _ "$m"
ok "the entry remembers it" sh -c "grep -lx 'rcpt pending 0 - <d1@remote.example>' '$MAILTREE_STORE'/queue/*.env | xargs grep -qx 'warned delay'"
sleep 4	# retries at 1, 2 and 4 s
is "told once, whatever the retries" "$(msgcount alice)" $((a0 + 1))
ok "SIGTERM: exit status 0" stop_daemon

printf 'store = %s\nrelay_tls_verify = yes\n[listener s]\nprotocol = submission\nport = %s\n' \
    "$MAILTREE_STORE" "$PORT" >"$T_DIR/nv.conf"
"$MAILTREED" -f -c "$T_DIR/nv.conf" 2>"$T_DIR/nv.err"
is "relay_tls_verify without a relayhost is refused at start" "$?" 78
ok "saying why" grep -q "relay_tls_verify needs a relayhost" "$T_DIR/nv.err"
done_testing
