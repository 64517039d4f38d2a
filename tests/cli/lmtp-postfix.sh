# Postfix delivering into the store through mailtreed's LMTP UNIX socket,
# as the README tells an administrator to set it up
# (mailbox_transport = lmtp:unix:...).  A private Postfix instance runs
# from a temporary directory with its own configuration, queue and
# loopback port, so a system Postfix, if any, is not touched; mail goes in
# over SMTP and must come out in the store with Return-Path and
# Delivered-To.  Needs root (Postfix's master switches to its mail_owner)
# and the postfix package, which tools/install-deps installs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"

missing=
command -v postfix >/dev/null || missing="postfix not installed (tools/install-deps)"
[ -n "$missing" ] || id postfix >/dev/null 2>&1 || missing="no postfix user"
[ "$(id -u)" -eq 0 ] || missing="not running as root"
if [ -n "$missing" ]; then
	skip "Postfix through the LMTP socket: $missing"
	done_testing
	exit
fi

# Postfix's daemons run as the postfix user and must reach the queue and
# the socket, which the test directory (mode 0700) would hide.
PF=$(mktemp -d "${TMPDIR:-/tmp}/mailtree-postfix.XXXXXX")
chmod 711 "$PF"
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
PFPID=
# stop_postfix: stops the private master and waits until it has gone.
stop_postfix() {
	[ -n "$PFPID" ] || return 0
	postfix -c "$PF/conf" stop >/dev/null 2>&1 || kill -TERM "$PFPID" 2>/dev/null
	wait "$PFPID" 2>/dev/null
	PFPID=
	return 0
}
trap 'stop_postfix; [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	rm -rf "$PF" "$T_DIR"' EXIT

SOCK=$PF/lmtp.sock
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
[listener unix]
protocol = lmtp
socket = $SOCK
socket_mode = 0660
socket_group = postfix
CONF
ok "mailtreed starts with an LMTP socket for the postfix group" \
    start_daemon "$T_DIR/d.conf"

SPORT=$(free_port)
# No chroot, no system paths: everything of this instance is under $PF.
# The store's users are not Unix accounts, so local(8) accepts any local
# part (empty local_recipient_maps) and hands mailbox deliveries to LMTP;
# Postfix's own aliases map sales to bob on the way.
cat >"$PF/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = mx.example.test
mydomain = example.test
myorigin = example.test
mydestination = example.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps = texthash:$PF/conf/aliases
alias_database =
mailbox_transport = lmtp:unix:$SOCK
default_transport = error:this test sends nothing outside
biff = no
CONF
printf 'sales bob\n' >"$PF/conf/aliases"
{
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "$SPORT"
	for s in 'pickup unix n - n 60 1' 'cleanup unix n - n - 0' \
	    'qmgr unix n - n 300 1' 'rewrite unix - - n - - trivial-rewrite' \
	    'bounce unix - - n - 0' 'defer unix - - n - 0 bounce' \
	    'trace unix - - n - 0 bounce' 'verify unix - - n - 1' \
	    'flush unix n - n 1000? 0' 'proxymap unix - - n - -' \
	    'error unix - - n - -' 'retry unix - - n - - error' \
	    'discard unix - - n - -' 'local unix - n n - -' \
	    'lmtp unix - - n - -' 'anvil unix - - n - 1' \
	    'scache unix - - n - 1' 'postlog unix-dgram n - n - 1 postlogd'; do
		# The command defaults to the service name.
		set -- $s
		printf '%s %s\n' "$s" "$([ $# -eq 8 ] || echo "$1")"
	done
} >"$PF/conf/master.cf"

# start-fg keeps the master a child of this shell, so it is waited for
# and never outlives the test.
postfix -c "$PF/conf" start-fg >"$PF/master.out" 2>&1 &
PFPID=$!
up=
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $SPORT), 1)" \
	    2>/dev/null && { up=1; break; }
	kill -0 "$PFPID" 2>/dev/null || break
	sleep 0.1
done
ok "the private Postfix instance listens on 127.0.0.1:$SPORT" test -n "$up"
[ -n "$up" ] || { cat "$PF/master.out" "$PF/maillog" 2>/dev/null | sed 's/^/# /'; }

cat >"$T_DIR/send.py" <<'PY'
import smtplib, sys
port, rcpt, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = ("From: sender@example.org\r\nTo: %s\r\nSubject: %s\r\n"
       "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
       "Message-ID: <%s@test>\r\n\r\nThrough Postfix.\r\n.leading dot\r\n"
       % (rcpt, subject, subject))
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.sendmail("sender@example.org", [rcpt], msg)
PY
ok "SMTP to alice@example.test is accepted" \
    python3 "$T_DIR/send.py" "$SPORT" alice@example.test via-postfix
ok "SMTP to the Postfix alias sales@example.test is accepted" \
    python3 "$T_DIR/send.py" "$SPORT" sales@example.test via-alias
# Postfix delivers from its queue in the background.
wait_for() {	# wait_for USER COUNT
	for _ in $(seq 300); do
		[ "$(msgcount "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# And one to an alias of the store's own (mailtree-store(5)), which
# Postfix passes through untouched.
printf 'postmaster: alice\n' >"$MAILTREE_STORE/aliases"
ok "SMTP to the store alias postmaster@example.test is accepted" \
    python3 "$T_DIR/send.py" "$SPORT" postmaster@example.test via-store-alias
ok "alice's two messages reach the store" wait_for alice 2
ok "the Postfix-aliased message reaches bob" wait_for bob 1
if ! wait_for alice 2 || ! wait_for bob 1; then
	sed 's/^/# /' "$PF/maillog" | tail -n 20
fi

# What Postfix adds in front (Received:) varies; the rest is exact.
tail_of() {	# tail_of USER UID: the message from its From: line on
	mt message cat "$1" INBOX "$2" | sed -n '/^From: /,$p'
}
want() {
	printf 'From: sender@example.org\nTo: %s\nSubject: %s\n' "$1" "$2"
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Message-ID: <%s@test>\n\nThrough Postfix.\n.leading dot\n' "$2"
}
is "alice's message bytes after Postfix's headers" \
    "$(tail_of alice 1 | od -c)" "$(want alice@example.test via-postfix | od -c)"
is "bob's message bytes" "$(tail_of bob 1 | od -c)" \
    "$(want sales@example.test via-alias | od -c)"
is "the store alias's message bytes" "$(tail_of alice 2 | od -c)" \
    "$(want postmaster@example.test via-store-alias | od -c)"
is "alice's copy starts with Return-Path and Delivered-To" \
    "$(mt message cat alice INBOX 1 | head -n 2)" \
    "$(printf 'Return-Path: <sender@example.org>\nDelivered-To: alice@example.test')"
is "bob's copy: Delivered-To is the address LMTP was given" \
    "$(mt message cat bob INBOX 1 | head -n 2)" \
    "$(printf 'Return-Path: <sender@example.org>\nDelivered-To: bob@example.test')"
is "the store alias's copy keeps the address it was sent to" \
    "$(mt message cat alice INBOX 2 | head -n 2)" \
    "$(printf 'Return-Path: <sender@example.org>\nDelivered-To: postmaster@example.test')"
ok "Postfix logged the deliveries as sent over LMTP" \
    grep -q "relay=[^ ]*\\[$SOCK\\].*status=sent (250 2.0.0" "$PF/maillog"
ok "mailtreed logged them from the socket" \
    grep -q 'peer=unix rcpt=bob@example.test from=<sender@example.org> saved' \
    "$T_DIR/daemon.log"
ok "nothing is left in Postfix's queue" \
    test -z "$(find "$PF/queue/active" "$PF/queue/deferred" "$PF/queue/incoming" -type f)"

mpid=$(tr -d ' ' <"$PF/queue/pid/master.pid" 2>/dev/null)
stop_postfix
ok "Postfix's master ($mpid) has stopped" \
    sh -c "[ -n '$mpid' ] && ! kill -0 '$mpid' 2>/dev/null"
ok "mailtreed stops cleanly" stop_daemon
done_testing
