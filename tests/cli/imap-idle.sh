# Sessions of mailtreed seeing each other's changes and everyone else's:
# one client's STORE, APPEND, EXPUNGE, MOVE and COPY reach another client
# in IDLE within a second and a third at its next NOOP; `mailtree
# deliver` and the FUSE view (cp into a folder, touch flags/seen, rm -r a
# message) reach an idling client within a second too.  A selected
# folder deleted or renamed under a session ends it with BYE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
. "$(dirname "$0")/fuse-lib.inc"
trap 'exec 3>&- 2>/dev/null; fuse_unmount; [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
    rm -rf "$T_DIR"' EXIT
IC="python3 $(dirname "$0")/imap-interop.py"

PORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
CONF
ok "mailtreed starts with an imap listener" start_daemon "$T_DIR/d.conf"
dlv() { mt deliver "$@" >/dev/null 2>&1; }
for i in 1 2 3; do printf 'Subject: m%s\n\nbody %s\n' $i $i | dlv alice; done

ok "two sessions: STORE, APPEND, EXPUNGE, MOVE, COPY, UID MOVE by one seen in IDLE by another within 1 s, and at NOOP by a third" \
    $IC 127.0.0.1 "$PORT" two-sessions
mt folder create alice Recent >/dev/null
printf 'Subject: new\n\nfresh\n' | mt deliver -m Recent alice >/dev/null 2>&1
ok "\\Recent goes to the first session that selects, EXAMINE only shows it" \
    $IC 127.0.0.1 "$PORT" recent-once Recent
uids() { mt message list alice "$1" | cut -f1 | tr '\n' ' '; }
ok "the selected folder deleted, made again or renamed by another session: BYE in IDLE and at NOOP" \
    $IC 127.0.0.1 "$PORT" deleted-folder
# uidof SUBJECT: the UID of the INBOX message with that subject.
uidof() { mt message list alice INBOX | awk -F '\t' -v s="$1" '$5 == s { print $1 }'; }
# seqof UID: its sequence number in INBOX.
seqof() { uids INBOX | tr ' ' '\n' | grep -nx "$1" | cut -d: -f1; }

# An idling client in the background: every line it gets goes to
# $T_DIR/watch; closing fd 3 makes it send DONE and LOGOUT.
watch_start() {
	rm -f "$T_DIR/ctl" "$T_DIR/watch"
	mkfifo "$T_DIR/ctl"
	$IC 127.0.0.1 "$PORT" idle-watch "$1" <"$T_DIR/ctl" >"$T_DIR/watch" 2>&1 &
	WPID=$!
	exec 3>"$T_DIR/ctl"
	wait_for 5 grep -qx idling "$T_DIR/watch"
}
watch_stop() {
	exec 3>&-
	wait "$WPID"
}
# saw WHAT PATTERN: the watcher got a line matching PATTERN (grep -E)
# within a second of now.
saw() {
	local i
	for i in $(seq 20); do
		grep -qE "$2" "$T_DIR/watch" && { is "$1" ok ok; return; }
		sleep 0.05
	done
	is "$1" "$(tr '\n' '|' <"$T_DIR/watch")" "a line matching $2"
}
: >"$T_DIR/watch"

# INBOX now holds 4 messages (see the two-session scenario).
n=$(uids INBOX | wc -w)
is "INBOX holds 4 messages" "$n" 4
ok "a client selects INBOX and idles" watch_start INBOX
printf 'Subject: delivered\n\nduring IDLE\n' | dlv alice
saw "mailtree deliver during IDLE: EXISTS" "^\* 5 EXISTS$"
mt message flag alice INBOX "$(uids INBOX | cut -d' ' -f1)" '\Flagged' >/dev/null
saw "mailtree message flag during IDLE: FETCH FLAGS" '^\* 1 FETCH \(FLAGS \(\\Flagged'
mt message expunge alice INBOX "$(uids INBOX | cut -d' ' -f2)" >/dev/null
saw "mailtree message expunge during IDLE: EXPUNGE" '^\* 2 EXPUNGE$'

if fuse_usable && fuse_mount -o user=alice; then
	is "mailtree-fs mounted" ok ok
	printf 'Subject: copied in\n\nthrough FUSE\n' >"$T_DIR/note.eml"
	cp "$T_DIR/note.eml" "$MNT/INBOX/"
	saw "cp of a file into INBOX on the mount: EXISTS" '^\* 5 EXISTS$'
	u=$(uidof delivered)
	ok "touch INBOX/$u/flags/seen" touch "$MNT/INBOX/$u/flags/seen"
	saw "touch INBOX/$u/flags/seen: FETCH FLAGS (\\Seen)" \
	    "^\\* $(seqof "$u") FETCH \\(FLAGS \\(\\\\Seen"
	u=$(uidof 'copied in') seq=$(seqof "$(uidof 'copied in')")
	ok "rm -r INBOX/$u" rm -r "$MNT/INBOX/$u"
	saw "rm -r INBOX/$u: EXPUNGE" "^\\* $seq EXPUNGE$"
	mkdir "$MNT/Elsewhere"
	u=$(uids INBOX | cut -d' ' -f1)
	mv "$MNT/INBOX/$u" "$MNT/Elsewhere/"
	saw "mv INBOX/$u Elsewhere/: EXPUNGE" '^\* 1 EXPUNGE$'
	fuse_unmount
	is "mailtree-fs exits cleanly" "$MTFS_STATUS" 0
fi
ok "the idler ends with DONE and LOGOUT" watch_stop
ok "DONE answered with OK" grep -qE '^a[0-9]+ OK' "$T_DIR/watch"

# A folder other than INBOX, with a change made in another folder that
# must not wake it, then one that must.
ok "a client selects Elsewhere and idles" watch_start Elsewhere
printf 'Subject: to inbox\n\nx\n' | dlv alice
sleep 0.5
is "a delivery to INBOX is not reported in Elsewhere" \
    "$(grep -c '^\* [0-9]* EXISTS' "$T_DIR/watch")" 0
printf 'Subject: to elsewhere\n\nx\n' | dlv -m Elsewhere alice
saw "a delivery to Elsewhere is" '^\* 2 EXISTS$'
ok "the idler ends with DONE and LOGOUT" watch_stop
ok "the daemon stops cleanly" stop_daemon
ok "no warnings in the log" sh -c "! grep -Ei 'warn|error' '$T_DIR/daemon.log'"
done_testing
