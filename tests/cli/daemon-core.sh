# The daemon core: an IPv6 listener, and dropping root privileges to the
# configured user after binding (the files it then writes are that user's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"

send() {	# send HOST PORT RCPT: one LMTP delivery, prints {} on success
	python3 -c 'import smtplib, sys
s = smtplib.LMTP(sys.argv[1], int(sys.argv[2]), timeout=10)
print(s.sendmail("me@example.org", [sys.argv[3]], b"Subject: core\r\n\r\nx\r\n"))
s.quit()' "$@"
}

if ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1'; then
	P6=$(free_port)
	cat >"$T_DIR/v6.conf" <<CONF
store = $MAILTREE_STORE
[listener v6]
protocol = lmtp
address = ::1
port = $P6
CONF
	ok "mailtreed listens on ::1" start_daemon "$T_DIR/v6.conf"
	before=$(msgcount alice)
	is "an LMTP delivery over IPv6" "$(send ::1 "$P6" alice 2>&1)" "{}"
	is "and it is stored" "$(msgcount alice)" $((before + 1))
	ok "the log shows the IPv6 peer" grep -q 'peer=::1' "$T_DIR/daemon.log"
	ok "stops" stop_daemon
else
	skip "no IPv6 loopback on this machine"
fi

# The per-address connection limit.  Loopback is exempt by design (an MTA
# on the same host opens many LMTP connections), so the test connects
# from another address of this machine: a connection to one's own
# address comes from that address.  Without one, root lends lo a
# documentation address, which mailtreed does not count as loopback.
addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -n 1)
added_addr=
if [ -z "$addr" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
   ip addr add 192.0.2.202/32 dev lo 2>/dev/null; then
	addr=192.0.2.202
	added_addr=$addr
fi
# conns HOST PORT N [SRC]: opens N connections at once (from SRC when
# given) and prints, per connection, + when it was greeted and - when it
# was closed without a greeting; keeps them open until all are judged.
conns() {
	python3 -c 'import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else None
out, held = "", []
for _ in range(n):
    s = socket.create_connection((host, port), 10, (src, 0) if src else None)
    held.append(s)
    try:
        out += "+" if s.recv(100).startswith(b"220") else "-"
    except OSError:
        out += "-"
print(out)' "$@"
}
if [ -n "$addr" ]; then
	PL=$(free_port)
	cat >"$T_DIR/perip.conf" <<CONF
store = $MAILTREE_STORE
max_connections_per_ip = 2
[listener outside]
protocol = lmtp
address = $addr
port = $PL
[listener loopback]
protocol = lmtp
address = 127.0.0.1
port = $PL
CONF
	ok "mailtreed starts with max_connections_per_ip = 2 on $addr" \
	    start_daemon "$T_DIR/perip.conf"
	is "from $addr: two connections greeted, the third closed at once" \
	    "$(conns "$addr" "$PL" 3 "$addr" 2>&1)" "++-"
	ok "the refusal is logged with the address" \
	    grep -q "peer=$addr refused: too many connections from this address" \
	    "$T_DIR/daemon.log"
	# The daemon notices the closes when it reads their EOFs.
	for _ in $(seq 50); do
		again=$(conns "$addr" "$PL" 1 "$addr" 2>&1)
		[ "$again" = "+" ] && break
		sleep 0.1
	done
	is "once those are closed, $addr is served again" "$again" "+"
	is "loopback is exempt: five at once from 127.0.0.1" \
	    "$(conns 127.0.0.1 "$PL" 5 2>&1)" "+++++"
	ok "stops" stop_daemon
else
	skip "no non-loopback address to test the per-address limit from"
fi
[ -z "$added_addr" ] || ip addr del "$added_addr/32" dev lo 2>/dev/null

if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
	id mailtreetest >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin mailtreetest 2>/dev/null ||
		id mailtreetest >/dev/null
	# A store the unprivileged user can reach: the test's own directory
	# sits in a private one.
	D=$(mktemp -d "${TMPDIR:-/tmp}/mailtree-drop.XXXXXX")
	chmod 711 "$D"
	export MAILTREE_STORE=$D/store
	mt init >/dev/null && mt user add -p x bob >/dev/null
	chown -R mailtreetest: "$MAILTREE_STORE"
	P4=$(free_port)
	cat >"$T_DIR/drop.conf" <<CONF
store = $MAILTREE_STORE
user = mailtreetest
[listener lmtp]
protocol = lmtp
address = 127.0.0.1
port = $P4
CONF
	ok "mailtreed started as root with user = mailtreetest" start_daemon "$T_DIR/drop.conf"
	is "runs as mailtreetest once the listeners are bound" \
	    "$(ps -o user= -p "$DPID" | tr -d ' ')" mailtreetest
	out=$(send 127.0.0.1 "$P4" bob 2>&1)
	is "delivers" "$out" "{}"
	[ "$out" = "{}" ] || sed 's/^/# /' "$T_DIR/daemon.log" | tail -n 8
	newest=$(ls -t "$MAILTREE_STORE"/mail/bob/new/* | head -1)
	is "the stored file belongs to mailtreetest" "$(stat -c %U "$newest")" mailtreetest
	ok "stops" stop_daemon
	# Without user =, the store's owner: the files stay theirs.
	grep -v '^user = ' "$T_DIR/drop.conf" >"$T_DIR/owner.conf"
	ok "mailtreed started as root with no user = on mailtreetest's store" \
	    start_daemon "$T_DIR/owner.conf"
	is "runs as the store's owner once the listeners are bound" \
	    "$(ps -o user= -p "$DPID" | tr -d ' ')" mailtreetest
	out=$(send 127.0.0.1 "$P4" bob 2>&1)
	is "delivers" "$out" "{}"
	is "the stored files belong to mailtreetest" \
	    "$(find "$MAILTREE_STORE" ! -user mailtreetest -printf '%P\n')" ""
	ok "stops" stop_daemon
	cat >"$T_DIR/nouser.conf" <<CONF
store = $MAILTREE_STORE
user = no-such-user-here
[listener lmtp]
protocol = lmtp
address = 127.0.0.1
port = $P4
CONF
	"$MAILTREED" -f -c "$T_DIR/nouser.conf" 2>"$T_DIR/nouser.err" &
	np=$!
	sleep 1
	if kill -0 "$np" 2>/dev/null; then kill -9 "$np"; rc=running; else wait "$np"; rc=$?; fi
	ok "an unknown user is refused at start (status $rc)" test "$rc" != running -a "$rc" != 0
	ok "saying why" grep -qi 'no-such-user-here' "$T_DIR/nouser.err"
	rm -rf "$D"
else
	skip "dropping privileges needs root"
fi
done_testing
