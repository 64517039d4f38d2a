# Ordinary tools on the mount: head, find -newer, du, and find running
# while deliveries arrive (no errors, no half entries).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }

mt init >/dev/null && mt user add -p x alice >/dev/null
printf 'Subject: first\nFrom: a@b.c\n\nline 1\nline 2\nline 3\n' | mt deliver alice 2>/dev/null
sleep 1.1
touch "$T_DIR/ref"
sleep 1.1
printf 'Subject: second\n\nbody\n' | mt deliver alice 2>/dev/null
ok "mount" fuse_mount -o user=alice

is "head -n 3 of message.eml" "$(head -n 3 "$MNT/INBOX/1/message.eml")" \
	"$(mt message cat alice INBOX 1 | head -n 3)"
is "head -c 20" "$(head -c 20 "$MNT/INBOX/1/message.eml")" "$(mt message cat alice INBOX 1 | head -c 20)"
is "tail -n 1 of body.txt" "$(tail -n 1 "$MNT/INBOX/1/body.txt")" "line 3"
is "head of a property file" "$(head -n 1 "$MNT/INBOX/2/subject")" "second"
is "find -newer: only the message delivered after the reference" \
	"$(cd "$MNT" && find . -name message.eml -newer "$T_DIR/ref")" "./INBOX/2/message.eml"
is "find ! -newer: the older one" \
	"$(cd "$MNT" && find . -name message.eml ! -newer "$T_DIR/ref")" "./INBOX/1/message.eml"
is "du -b of message.eml is its size" "$(du -b "$MNT/INBOX/1/message.eml" | cut -f1)" \
	"$(cat "$MNT/INBOX/1/size")"
ok "du -s of the mount" sh -c "du -s '$MNT' >/dev/null"
is "du --apparent-size of INBOX counts both messages" \
	"$(du -b --max-depth=0 "$MNT/INBOX" >/dev/null && find "$MNT/INBOX" -name message.eml -exec cat {} + | wc -c)" \
	$(( $(cat "$MNT/INBOX/1/size") + $(cat "$MNT/INBOX/2/size") ))

# find while mail arrives.
(
	for i in $(seq 150); do
		printf 'Subject: burst %s\n\nx\n' "$i" | mt deliver alice 2>/dev/null || exit 1
	done
) &
deliverer=$!
errors=0 runs=0
while kill -0 "$deliverer" 2>/dev/null; do
	find "$MNT" -type f >"$T_DIR/found" 2>"$T_DIR/find.err" || errors=$((errors + 1))
	[ -s "$T_DIR/find.err" ] && { errors=$((errors + 1)); sed 's/^/# /' "$T_DIR/find.err"; }
	# A message directory listed must show its message.eml.
	# Every message directory has a uid file.
	half=$(awk '{ d = $0; sub(/\/[^/]+$/, "", d) }
		/\/uid$/ { dirs[d] = 1 } /\/message\.eml$/ { eml[d] = 1 }
		END { n = 0; for (d in dirs) if (!(d in eml)) n++; print n }' "$T_DIR/found")
	[ "$half" -eq 0 ] || { errors=$((errors + 1)); echo "# $half message directories without message.eml"; }
	runs=$((runs + 1))
done
wait "$deliverer"; is "150 deliveries during find" $? 0
ok "find ran during the deliveries ($runs runs)" test "$runs" -gt 1
is "find printed no error and no half entry" "$errors" 0
ok "all 152 messages show within a second" wait_for 2 \
	sh -c "[ \$(find '$MNT/INBOX' -name message.eml | wc -l) -eq 152 ]"
is "find -type f | wc -l counts every file" "$(find "$MNT/INBOX" -type f | wc -l)" \
	"$(find "$MNT/INBOX" -mindepth 2 -type f | wc -l)"
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"
done_testing
