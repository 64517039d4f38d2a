# mailtreed's IMAP server under stress: a client that goes away in the
# middle of an APPEND literal leaves nothing in the store, SIGTERM during
# IDLE says BYE, hundreds of idle IDLE sessions in one daemon cost little
# memory each and all hear a delivery, and the idle timeout says BYE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
IC="python3 $(dirname "$0")/imap-interop.py"
SESSIONS=${IMAP_SESSIONS:-500}

PORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
imap_idle_timeout = 15
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
CONF
ok "mailtreed starts with imap_idle_timeout = 15" start_daemon "$T_DIR/d.conf"
for i in 1 2; do printf 'Subject: m%s\n\nbody %s\n' $i $i | mt deliver alice >/dev/null 2>&1; done

# The idle timeout takes 15 s: it runs in the background meanwhile.
$IC 127.0.0.1 "$PORT" idle-timeout 15 >"$T_DIR/timeout.out" 2>&1 &
TOPID=$!

# A literal cut short: with a continuation, and LITERAL+ without one.
files() { (cd "$MAILTREE_STORE/mail/alice" && find . -type f ! -name '*.lock' \( -path '*/tmp/*' \
    -o -path '*/new/*' -o -path '*/cur/*' \) | sort); }
before=$(files)
ok "APPEND {5000}: 2000 bytes, then the client disconnects" \
    $IC 127.0.0.1 "$PORT" literal-drop sync
ok "APPEND {5000+}: 2000 bytes, then the client disconnects" \
    $IC 127.0.0.1 "$PORT" literal-drop nonsync
sleep 0.5
is "no message, no partial file in tmp/, new/ or cur/" "$(files)" "$before"
is "INBOX still has 2 messages" "$(msgcount alice)" 2

# Many IDLE sessions: RSS before and after, then one delivery for all.
# AddressSanitizer pads and quarantines every allocation, so a sanitizer
# build only has to stay under a much larger bound.
limit=64
if ldd "$MAILTREED" 2>/dev/null | grep -q libasan; then
	limit=1024
fi
ok "$SESSIONS IDLE sessions: under $limit KB of RSS each, and a delivery reaches all" \
    $IC 127.0.0.1 "$PORT" many-idle "$SESSIONS" "$DPID" "$limit" \
    sh -c "printf 'Subject: for all\n\nx\n' | mt deliver alice >/dev/null 2>&1"
grep '^#' "$T_DIR/.out"

wait "$TOPID"
rc=$?
sed 's/^/# idle timeout: /' "$T_DIR/timeout.out"
is "IDLE for 15 s with no traffic: BYE, then closed" "$rc" 0

# SIGTERM while a client idles.
$IC 127.0.0.1 "$PORT" sigterm-idle >"$T_DIR/term.out" 2>&1 &
TPID=$!
wait_idle() { grep -qx idling "$T_DIR/term.out"; }
for _ in $(seq 50); do wait_idle && break; sleep 0.1; done
ok "a client is in IDLE" wait_idle
ok "the daemon stops on SIGTERM" stop_daemon
wait "$TPID"
rc=$?
sed 's/^/# sigterm: /' "$T_DIR/term.out"
is "SIGTERM during IDLE: * BYE, then closed" "$rc" 0
ok "no warnings in the log" sh -c "! grep -Ei 'warn|error' '$T_DIR/daemon.log'"
done_testing
