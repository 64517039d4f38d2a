# kill -9 of `mailtree deliver` at random points: what exited 0 is there,
# nothing half-written is visible in new/ or cur/.
. "$(dirname "$0")/lib.sh"

mt init >/dev/null && mt user add -p x u >/dev/null
body=$(head -c 200000 /dev/zero | tr '\0' 'x' | fold -w 76)
for i in $(seq 1 30); do
	{ printf 'Subject: crash %s\nX-Id: %s\n\n' $i $i; printf '%s\n' "$body"; printf 'END %s\n' $i; } >"$T_DIR/m$i"
	# A slow writer, so the kill lands while the message streams in.
	( cat "$T_DIR/m$i" | pv -q -L 2000000 2>/dev/null || cat "$T_DIR/m$i" ) |
		mt deliver u 2>/dev/null &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null && echo $i >>"$T_DIR/acked"
done
for i in $(seq 31 35); do
	{ printf 'Subject: ok %s\nX-Id: %s\n\n' $i $i; printf '%s\n' "$body"; printf 'END %s\n' $i; } >"$T_DIR/m$i"
	mt deliver u <"$T_DIR/m$i" 2>/dev/null && echo $i >>"$T_DIR/acked"
done
bad=0
for f in "$MAILTREE_STORE"/mail/u/new/* "$MAILTREE_STORE"/mail/u/cur/*; do
	[ -f "$f" ] || continue
	id=$(sed -n 's/^X-Id: //p' "$f")
	tail -n +2 "$f" | cmp -s - "$T_DIR/m$id" || bad=$((bad + 1))
done
is "every visible message is complete" "$bad" 0
missing=0
for i in $(cat "$T_DIR/acked"); do
	grep -lqx "X-Id: $i" "$MAILTREE_STORE"/mail/u/new/* "$MAILTREE_STORE"/mail/u/cur/* 2>/dev/null || missing=$((missing + 1))
done
is "every delivery that exited 0 is there" "$missing" 0
ok "the folder still opens and lists" mt message list u INBOX

# One kill that surely lands mid-write: the sender stalls halfway.
{ printf 'Subject: stalled\n\nfirst half\n'; sleep 3; printf 'second half\n'; } |
	mt deliver u 2>/dev/null &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
ok "the stalled delivery did not show up" sh -c "! grep -rlq 'Subject: stalled' '$MAILTREE_STORE/mail/u/new' '$MAILTREE_STORE/mail/u/cur'"

# Killed deliveries leave their half-written files in tmp/.  Once they are
# older than the Maildir convention's 36 hours, check --repair removes them.
left=$(ls "$MAILTREE_STORE/mail/u/tmp" | wc -l)
ok "half-written files are only in tmp/ ($left)" test "$left" -ge 1
touch -d '-2 days' "$MAILTREE_STORE"/mail/u/tmp/*
mt check >/dev/null 2>&1
is "check reports the stale tmp/ files" $? 1
ok "check --repair cleans up" mt check --repair
is "tmp/ is empty afterwards" "$(ls "$MAILTREE_STORE/mail/u/tmp" | wc -l)" 0
ok "a second check is clean" mt check
is "every message is still listed" "$(mt message list u INBOX | wc -l)" \
    "$(ls "$MAILTREE_STORE/mail/u/new" "$MAILTREE_STORE/mail/u/cur" | grep -c ,S=)"
rm -rf "$T_DIR"
done_testing
