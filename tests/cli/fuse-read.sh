# The FUSE view read with ordinary tools: the tree, the naming rule,
# message.eml byte-exact, property files, exact sizes, mtimes, the errno
# of everything that is not mail, and changes made elsewhere showing up
# within a second.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }

mt init >/dev/null && mt user add -p x alice >/dev/null
mt folder create alice 2024
mt folder create alice '=x'
mt folder create alice 'Archive/2024'
msg=$'From: =?utf-8?q?J=C3=B6rg?= <j@example.org>\nTo: a@b.c, "Bob B" <bob@x.y>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <m1@x>\n\nhello\n'
printf '%s' "$msg" | mt deliver alice 2>/dev/null
printf 'Subject: second\nCc: c@d.e\n\nbody two\n' | mt deliver alice 2>/dev/null

"$MTFS" -f -o user=alice "$T_DIR/none" "$T_DIR" 2>"$T_DIR/e"; rc=$?
ok "missing store: fails with a clear message" sh -c "[ $rc -ne 0 ] && grep -q 'not a mailtree store' '$T_DIR/e'"
mkdir -p "$MNT"
"$MTFS" -f -o user=nobody "$MAILTREE_STORE" "$MNT" 2>"$T_DIR/e"; rc=$?
ok "unknown user: fails with a clear message" sh -c "[ $rc -ne 0 ] && grep -q 'nobody: unknown user' '$T_DIR/e'"

ok "mount" fuse_mount -o user=alice
"$MTFS" -f -o user=alice "$MAILTREE_STORE" "$MNT" 2>"$T_DIR/e"; rc=$?
ok "busy mount point: fails with a clear message" sh -c "[ $rc -ne 0 ] && grep -q 'mount point busy' '$T_DIR/e'"

is "top level: folders, digit and escape names escaped" \
	"$(ls "$MNT" | tr '\n' ' ')" "=2024 ==x Archive Drafts INBOX Junk Sent Trash "
is "nested folder with a digit name" "$(ls -A "$MNT/Archive" | tr '\n' ' ')" ".folder =2024 "
is "INBOX lists message directories by UID" "$(ls "$MNT/INBOX" | tr '\n' ' ')" "1 2 "
ok "a folder named 2024 is not a message" test -d "$MNT/=2024/.folder"
ok "no entry 2024 at the top" test ! -e "$MNT/2024"
is "message directory" "$(ls "$MNT/INBOX/1" | tr '\n' ' ')" \
	"attachments body.txt date flags from guid header imap-flags message-id message.eml modseq parts size subject to uid "
cmp -s "$MNT/INBOX/1/message.eml" <(mt message cat alice INBOX 1); is "message.eml is byte-exact" $? 0
is "subject decoded" "$(cat "$MNT/INBOX/1/subject")" "Grüße"
is "from decoded" "$(cat "$MNT/INBOX/1/from")" "Jörg <j@example.org>"
is "to, one line" "$(cat "$MNT/INBOX/1/to")" "a@b.c, Bob B <bob@x.y>"
is "cc only where there is one" "$(cat "$MNT/INBOX/2/cc"; [ -e "$MNT/INBOX/1/cc" ] || echo none)" "c@d.e"$'\n'"none"
is "message-id" "$(cat "$MNT/INBOX/1/message-id")" "<m1@x>"
is "uid" "$(cat "$MNT/INBOX/2/uid")" 2
is "size = bytes of message.eml" "$(cat "$MNT/INBOX/1/size")" "$(mt message cat alice INBOX 1 | wc -c)"
ok "guid is 32 hex digits" grep -qxE '[0-9a-f]{32}' "$MNT/INBOX/1/guid"
is "header is the header block" "$(cat "$MNT/INBOX/1/header")" "$(mt message cat alice INBOX 1 | sed '/^$/q')"
is "property files end in a newline" "$(tail -c 1 "$MNT/INBOX/1/subject" | od -An -c | tr -d ' ')" '\n'
is "folder properties" "$(cat "$MNT/INBOX/.folder/messages" "$MNT/INBOX/.folder/unseen" "$MNT/INBOX/.folder/uidnext" | tr '\n' ' ')" "2 2 3 "
bad=0
while IFS= read -r -d '' f; do
	[ "$(wc -c <"$f")" = "$(stat -c %s "$f")" ] || { bad=$((bad + 1)); echo "# size differs: $f"; }
done < <(find "$MNT" -type f -print0)
is "wc -c equals the stat size for every file" "$bad" 0
backing=$(ls "$MAILTREE_STORE"/mail/alice/new/* "$MAILTREE_STORE"/mail/alice/cur/* 2>/dev/null | head -1)
is "message mtime is the internal date" "$(stat -c %Y "$MNT/INBOX/1/message.eml")" "$(stat -c %Y "$backing")"
ok "grep -r finds a subject" sh -c "grep -rl 'second' '$MNT/INBOX' | grep -q '/2/subject$'"
is "find sees every message.eml" "$(find "$MNT" -name message.eml | wc -l)" 2
ok "cp -r copies a message out" cp -r "$MNT/INBOX/1" "$T_DIR/copy1"
cmp -s "$T_DIR/copy1/message.eml" "$MNT/INBOX/1/message.eml"; is "cp gives the same bytes" $? 0
ok "tar c of the mount" sh -c "tar cf '$T_DIR/m.tar' -C '$MNT' . && tar tf '$T_DIR/m.tar' | grep -q 'INBOX/2/subject'"
if command -v rsync >/dev/null; then
	ok "rsync -a of the mount" rsync -a "$MNT/" "$T_DIR/rs/"
	is "a second rsync transfers nothing" \
		"$(rsync -a --stats "$MNT/" "$T_DIR/rs/" | sed -n 's/^Number of regular files transferred: //p')" 0
else
	skip "rsync not installed"
	skip "rsync not installed"
fi

# What is not mail fails with a clear errno and changes nothing.
errno() {	# errno PYTHON-STATEMENT: prints the errno name raised, or OK
	python3 - "$MNT" "$1" <<'PY'
import errno, os, sys
m = sys.argv[1]
try:
    exec(sys.argv[2], {"os": os, "m": m})
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}
is "write into message.eml: EROFS" "$(errno 'os.open(m + "/INBOX/1/message.eml", os.O_WRONLY)')" EROFS
is "truncate message.eml: EROFS" "$(errno 'os.truncate(m + "/INBOX/1/message.eml", 0)')" EROFS
is "write into a property file: EROFS" "$(errno 'os.open(m + "/INBOX/1/subject", os.O_WRONLY | os.O_APPEND)')" EROFS
is "chmod: EPERM" "$(errno 'os.chmod(m + "/INBOX/1/subject", 0o600)')" EPERM
is "chown: EPERM" "$(errno 'os.chown(m + "/INBOX/1/subject", 1, 1)')" EPERM
is "hard link: EPERM" "$(errno 'os.link(m + "/INBOX/1/subject", m + "/INBOX/1/s2")')" EPERM
is "symlink: EPERM" "$(errno 'os.symlink("subject", m + "/INBOX/1/s2")')" EPERM
is "new file in a message directory: EPERM" "$(errno 'os.open(m + "/INBOX/1/new", os.O_CREAT | os.O_WRONLY)')" EPERM
is "mkdir of an existing message's UID: EEXIST" "$(errno 'os.mkdir(m + "/INBOX/1")')" EEXIST
is "renaming a message in its folder: EINVAL" "$(errno 'os.rename(m + "/INBOX/1", m + "/INBOX/9")')" EINVAL
is "writing into a flag file: EINVAL" "$(errno 'fd = os.open(m + "/INBOX/1/flags", os.O_RDONLY); os.close(fd); os.write(os.open(m + "/INBOX/2/flags/x", os.O_CREAT | os.O_WRONLY), b"1")')" EINVAL
cmp -s "$MNT/INBOX/1/message.eml" <(printf 'Delivered-To: alice\n%s' "$msg"); is "the message is unchanged" $? 0

# Flags as files.
ok "touch flags/seen" touch "$MNT/INBOX/1/flags/seen"
is "sets \\Seen" "$(mt message list alice INBOX | sed -n 1p | cut -f4)" '(\Seen)'
ok "touch a keyword" touch "$MNT/INBOX/1/flags/Important"
is "imap-flags" "$(cat "$MNT/INBOX/1/imap-flags")" '\Seen Important'
is "flags/ lists them" "$(ls "$MNT/INBOX/1/flags" | tr '\n' ' ')" "Important seen "
ok "rm flags/seen" rm "$MNT/INBOX/1/flags/seen"
is "clears \\Seen" "$(mt message list alice INBOX | sed -n 1p | cut -f4)" '(Important)'
is "unseen count follows" "$(cat "$MNT/INBOX/.folder/unseen")" 2

# Changes made elsewhere appear within a second.
printf 'Subject: third\n\nx\n' | mt deliver alice 2>/dev/null
ok "a delivery appears within 1 s" wait_for 1 test -d "$MNT/INBOX/3"
is "listed" "$(ls "$MNT/INBOX" | tr '\n' ' ')" "1 2 3 "
mt message flag alice INBOX 3 '\Flagged' >/dev/null
ok "a flag set elsewhere appears within 1 s" wait_for 1 test -e "$MNT/INBOX/3/flags/flagged"
mt message expunge alice INBOX 3
ok "an expunge elsewhere shows within 1 s" wait_for 1 test ! -e "$MNT/INBOX/3"

# The kernel keeps what never changes for a message (its entries, bytes
# and header properties) and every listing; changes elsewhere must still
# show within a second, even in what was read and listed just before.
printf 'Subject: fourth\n\nx\n' | mt deliver alice 2>/dev/null
ok "another delivery appears" wait_for 1 test -d "$MNT/INBOX/4"
is "read before the change" "$(cat "$MNT/INBOX/4/subject" "$MNT/INBOX/4/imap-flags"; ls "$MNT/INBOX/4/flags" | wc -l)" "fourth

0"
is "listed before the change" "$(ls "$MNT/INBOX" | tr '\n' ' ')" "1 2 4 "
ls "$MNT" >/dev/null
ms4=$(cat "$MNT/INBOX/4/modseq")
sleep 1.1	# the folder's own sync has passed: only the watcher tells
mt message flag alice INBOX 4 '\Answered' >/dev/null
ok "a cached imap-flags follows a change elsewhere" \
	wait_for 1 sh -c "grep -qx '.Answered' '$MNT/INBOX/4/imap-flags'"
ok "stat gives its new size" sh -c \
	"[ \$(stat -c %s '$MNT/INBOX/4/imap-flags') -eq \$(wc -c <'$MNT/INBOX/4/imap-flags') ]"
ok "a cached modseq follows it" \
	wait_for 1 sh -c "[ \$(cat '$MNT/INBOX/4/modseq') -gt $ms4 ]"
ok "a listed flags/ follows it" \
	wait_for 1 sh -c "ls '$MNT/INBOX/4/flags' | grep -qx answered"
mt message expunge alice INBOX 4
ok "a read message expunged elsewhere goes within 1 s" \
	wait_for 1 test ! -e "$MNT/INBOX/4/message.eml"
is "and leaves the cached listing" "$(ls "$MNT/INBOX" | tr '\n' ' ')" "1 2 "
mt folder create alice Later >/dev/null
ok "a folder made elsewhere shows in a listed directory within 1 s" \
	wait_for 1 sh -c "ls '$MNT' | grep -qx Later"
mt folder delete alice Later >/dev/null
ok "and goes from it within 1 s" wait_for 1 sh -c "! ls '$MNT' | grep -qx Later"
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
ok "fusermount3 -u ends mailtree-fs" test -z "$(mountpoint -q "$MNT" && echo mounted)"
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
# SIGTERM ends the request loop whether it sleeps (an idle mount) or
# still polls the device after a burst of requests.
for when in idle busy; do
	fuse_mount -o user=alice || bail "cannot mount again"
	if [ $when = idle ]; then
		sleep 0.5
	else
		cat "$MNT"/INBOX/*/message.eml >/dev/null
	fi
	kill -TERM "$MTFS_PID"
	ok "SIGTERM on an $when mount: mailtree-fs exits" \
		wait_for 5 sh -c "! kill -0 $MTFS_PID"
	wait "$MTFS_PID" 2>/dev/null
	is "and exits 0 ($when)" "$?" 0
	MTFS_PID=
	ok "and the mount point is free ($when)" \
		sh -c "! mountpoint -q '$MNT'"
done
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"
done_testing
