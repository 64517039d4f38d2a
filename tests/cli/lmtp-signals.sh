# mailtreed under signals and failures: SIGHUP keeps connections, SIGTERM
# lets a delivery in flight finish, kill -9 during a burst loses no
# acknowledged message, a full disk gives 452 4.3.1, idle clients time out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"

PORT=$(free_port)
conf() {	# conf STORE [extra global lines]
	printf 'store = %s\ntls_cert = %s\ntls_key = %s\n%b' "$1" \
	    "$T_DIR/cert.pem" "$T_DIR/key.pem" "${2:-}"
	printf '[listener tcp]\nprotocol = lmtp\naddress = 127.0.0.1\n'
	printf 'port = %s\ntls = starttls\n' "$PORT"
}
conf "$MAILTREE_STORE" >"$T_DIR/d.conf"
lm() { $PY 127.0.0.1 "$PORT" "$@"; }

# SIGHUP in the middle of a DATA: the delivery goes on, and so does the
# session; the reload is logged.
ok "mailtreed starts" start_daemon "$T_DIR/d.conf"
rm -f "$T_DIR/in-data" "$T_DIR/go"
lm hold "$T_DIR/in-data" "$T_DIR/go" hup reload >"$T_DIR/hold.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ -e "$T_DIR/in-data" ] && break; sleep 0.05; done
kill -HUP "$DPID"
sleep 0.2
touch "$T_DIR/go"
wait "$cpid"
is "SIGHUP keeps a connection in DATA, which then delivers twice" $? 0
ok "the reload is logged" grep -q "configuration and certificates reloaded" \
    "$T_DIR/daemon.log"
ok "new connections are served after SIGHUP" lm two
echo "port = x" >>"$T_DIR/d.conf"
kill -HUP "$DPID"
sleep 0.2
ok "a broken file on SIGHUP is refused and logged with file:line" \
    grep -q "reload failed.*d.conf:.*port" "$T_DIR/daemon.log"
ok "the old configuration keeps running" lm two
conf "$MAILTREE_STORE" >"$T_DIR/d.conf"

# SIGTERM with a delivery in flight: it finishes, then 421, exit 0.
rm -f "$T_DIR/in-data" "$T_DIR/go"
lm hold "$T_DIR/in-data" "$T_DIR/go" term stop >"$T_DIR/hold.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ -e "$T_DIR/in-data" ] && break; sleep 0.05; done
kill -TERM "$DPID"
sleep 0.2
ok "after SIGTERM no new connection is accepted" sh -c "! $PY 127.0.0.1 $PORT two"
touch "$T_DIR/go"
wait "$cpid"
is "SIGTERM lets the delivery in DATA finish, then says 421" $? 0
wait "$DPID"
is "mailtreed exits 0 after SIGTERM" $? 0
DPID=
ok "the message delivered across SIGTERM is stored" \
    sh -c "mt message list alice INBOX | grep -q '	term'"

# kill -9 during a burst: every 250 is on disk.
ok "mailtreed starts again" start_daemon "$T_DIR/d.conf"
: >"$T_DIR/acked"
lm burst "$T_DIR/acked" &
cpid=$!
sleep 1.5
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
wait "$cpid"
acked=$(wc -l <"$T_DIR/acked")
ok "the burst got some 250s before the kill ($acked)" test "$acked" -gt 10
cat "$MAILTREE_STORE"/mail/alice/new/* "$MAILTREE_STORE"/mail/alice/cur/* \
    2>/dev/null | sed -n 's/^Message-ID: //p' | sort >"$T_DIR/stored"
is "every message that got 250 is in the store" \
    "$(sort "$T_DIR/acked" | comm -23 - "$T_DIR/stored" | wc -l)" 0

# A full disk and idle timeouts, on a small tmpfs.
if [ "$(id -u)" != 0 ]; then
	skip "needs root to mount a small tmpfs"
else
	mnt=$T_DIR/small
	mkdir -p "$mnt"
	if mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
		trap '[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; umount "$mnt"; rm -rf "$T_DIR"' EXIT
		MAILTREE_STORE=$mnt/store mt init >/dev/null
		MAILTREE_STORE=$mnt/store mt user add -p x u >/dev/null
		conf "$mnt/store" "idle_timeout = 1\n" >"$T_DIR/small.conf"
		start_daemon "$T_DIR/small.conf"
		ok "a full disk: 452 4.3.1, then a small message still goes" \
		    lm fullbig
		is "nothing partial in tmp/" "$(tmp_files "$mnt/store/mail/u/tmp")" 0
		is "only the small message is stored" \
		    "$(MAILTREE_STORE=$mnt/store mt message list u INBOX | wc -l)" 1
		ok "an idle client gets 421 4.4.2 and is disconnected" lm idle
		stop_daemon
	else
		skip "cannot mount tmpfs here"
	fi
fi
done_testing
