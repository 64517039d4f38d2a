# IMAP over TLS against mailtreed on loopback ports: STARTTLS with imaplib
# and the daemon's certificate, commands pipelined after STARTTLS dropped,
# LOGINDISABLED where plaintext passwords need TLS (and not where the
# configuration or loopback allows them), implicit TLS with IMAP4_SSL,
# openssl s_client and curl over both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
IC="python3 $(dirname "$0")/imap-interop.py"

PORT=$(free_port) TPORT=$(free_port) PORT2=$(free_port)
printf 'Subject: one\n\nfirst body\n' | mt deliver alice >/dev/null
printf 'Subject: two\n\nsecond body\n' | mt deliver alice >/dev/null

# A listener on an address that is not loopback, where plaintext
# passwords need TLS.  A machine with no other address gets a
# documentation address on lo (root only); mailtreed still counts it as
# "not loopback", since it only exempts 127.0.0.0/8 and ::1.
addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -n 1)
added_addr=
if [ -z "$addr" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
   ip addr add 192.0.2.202/32 dev lo 2>/dev/null; then
	addr=192.0.2.202
	added_addr=$addr
fi
conf() {	# conf DISABLE_PLAINTEXT_AUTH
	cat <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
disable_plaintext_auth = $1
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
tls = starttls
[listener imaps]
protocol = imap
address = 127.0.0.1
port = $TPORT
tls = implicit
CONF
	[ -z "$addr" ] || printf '[listener outside]\nprotocol = imap\naddress = %s\nport = %s\ntls = starttls\n' \
	    "$addr" "$PORT2"
}
conf yes >"$T_DIR/d.conf"
ok "mailtreed starts with imap (starttls) and imaps (implicit) listeners" \
    start_daemon "$T_DIR/d.conf"

ok "imaplib: STARTTLS verified against the daemon's certificate, login, FETCH" \
    $IC 127.0.0.1 "$PORT" starttls "$T_DIR/cert.pem"
ok "commands pipelined after STARTTLS (LOGOUT, LOGIN) are dropped" \
    $IC 127.0.0.1 "$PORT" pipeline
ok "loopback is exempt: AUTH=PLAIN and LOGIN without TLS" \
    $IC 127.0.0.1 "$PORT" plaintext-ok
ok "imaplib.IMAP4_SSL on the implicit TLS listener; STARTTLS refused there" \
    $IC 127.0.0.1 "$TPORT" implicit
if [ -n "$addr" ]; then
	ok "from $addr (not loopback): LOGINDISABLED, LOGIN/AUTHENTICATE NO until STARTTLS" \
	    $IC "$addr" "$PORT2" logindisabled
else
	skip "no non-loopback address to test LOGINDISABLED on"
fi

# openssl s_client, both ways in.
sclient() {	# sclient ARGS...: a login, SELECT and FETCH over TLS
	(printf 'a LOGIN alice x\nb SELECT INBOX\nc FETCH 2 BODY[TEXT]\nd LOGOUT\n'
	 sleep 2) | timeout 10 openssl s_client -quiet -crlf "$@" 2>/dev/null |
	    tr -d '\r'
}
out=$(sclient -starttls imap -connect "127.0.0.1:$PORT")
is "openssl s_client -starttls imap: login and FETCH over TLS" \
    "$(echo "$out" | grep -E '^(second body|[a-d] OK|\* BYE)' | cut -c1-11)" \
    "a OK [CAPAB
b OK [READ-
second body
c OK Fetch 
* BYE Loggi
d OK Logout"
out=$(sclient -connect "127.0.0.1:$TPORT")
is "openssl s_client on the implicit TLS port: greeting, login, FETCH" \
    "$(echo "$out" | grep -E '^(\* OK \[CAP|second body|c OK)' | cut -c1-11)" \
    "* OK [CAPAB
second body
c OK Fetch "

# curl over TLS: implicit, and STARTTLS required.
crlf() { python3 -c 'import re, sys
sys.stdout.buffer.write(re.sub(rb"(?<!\r)\n", b"\r\n", sys.stdin.buffer.read()))'; }
uid=$(mt message list alice INBOX | head -n 1 | cut -f1)
curl -s -k -u alice:x "imaps://127.0.0.1:$TPORT/INBOX;UID=$uid" >"$T_DIR/got"
is "curl imaps:// fetches UID $uid byte for byte" "$(od -c <"$T_DIR/got")" \
    "$(mt message cat alice INBOX "$uid" | crlf | od -c)"
curl -s -k --ssl-reqd -u alice:x "imap://127.0.0.1:$PORT/INBOX;UID=$uid" \
    >"$T_DIR/got"
is "curl imap:// --ssl-reqd (STARTTLS) fetches UID $uid byte for byte" \
    "$(od -c <"$T_DIR/got")" "$(mt message cat alice INBOX "$uid" | crlf | od -c)"
if [ -n "$addr" ]; then
	ok "curl from $addr without TLS cannot log in" \
	    sh -c "! curl -s -u alice:x 'imap://$addr:$PORT2/INBOX;UID=$uid'"
	ok "curl from $addr with --ssl-reqd logs in" \
	    curl -s -k --ssl-reqd -u alice:x -o /dev/null "imap://$addr:$PORT2/INBOX;UID=$uid"
else
	skip "no non-loopback address for curl"
fi
ok "the daemon stops cleanly" stop_daemon

# disable_plaintext_auth = no: plaintext passwords everywhere.
if [ -n "$addr" ]; then
	conf no >"$T_DIR/d2.conf"
	ok "mailtreed starts with disable_plaintext_auth = no" \
	    start_daemon "$T_DIR/d2.conf"
	ok "from $addr with disable_plaintext_auth = no: AUTH=PLAIN, LOGIN" \
	    $IC "$addr" "$PORT2" plaintext-ok
	ok "the daemon stops cleanly" stop_daemon
else
	skip "no non-loopback address for disable_plaintext_auth = no"
fi
[ -z "$added_addr" ] || ip addr del "$added_addr/32" dev lo 2>/dev/null
ok "no errors or warnings in the log" \
    sh -c "! grep -Ei 'warn|error|assert' '$T_DIR/daemon.log'"
done_testing
