# Changing mail through the FUSE view: rm -r expunges, mv of a message
# directory moves it, mkdir/rmdir/mv of folders, and a file written into
# a folder becomes a message when it is closed, never half of one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }

mt init >/dev/null && mt user add -p x alice >/dev/null
for i in 1 2 3; do printf 'Subject: m%s\n\nbody %s\n' $i $i | mt deliver alice 2>/dev/null; done
ok "mount" fuse_mount -o user=alice
uids() { mt message list alice "$1" | cut -f1 | tr '\n' ' '; }

ok "rm -r of a message directory" rm -r "$MNT/INBOX/2"
is "expunged" "$(uids INBOX)" "1 3 "
ok "gone from the listing" test ! -e "$MNT/INBOX/2"
ok "rmdir of a message directory with files: refused" sh -c "! rmdir '$MNT/INBOX/1' 2>/dev/null"
is "nothing expunged" "$(uids INBOX)" "1 3 "

ok "mkdir makes a folder" mkdir "$MNT/Work"
ok "listed by mailtree" sh -c "mt folder list alice | grep -qx Work"
ok "mkdir of a folder named 2024 (escaped)" mkdir "$MNT/Work/=2024"
ok "stored as Work/2024" sh -c "mt folder list alice | grep -qx Work/2024"
ok "mv of a message directory into a folder" mv "$MNT/INBOX/3" "$MNT/Work/"
is "moved out of INBOX" "$(uids INBOX)" "1 "
is "moved into Work with a new UID" "$(uids Work)" "1 "
is "same bytes" "$(cat "$MNT/Work/1/subject")" "m3"

printf 'Subject: appended\n\nhello\n' >"$T_DIR/note.eml"
ok "cp of a file into a folder" cp "$T_DIR/note.eml" "$MNT/Work/"
is "appended as a message" "$(uids Work)" "1 2 "
cmp -s "$MNT/Work/2/message.eml" "$T_DIR/note.eml"; is "byte-exact" $? 0
ok "the file name is gone after close" test ! -e "$MNT/Work/note.eml"
ok "shell redirection appends too" sh -c "printf 'Subject: sh\n\nx\n' > '$MNT/Work/x.eml'"
is "third message" "$(uids Work)" "1 2 3 "
python3 - "$MNT/Work/bad.eml" <<'PY' 2>/dev/null
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY)
os.write(fd, b"Subject: half\n\n")
try:
    os.pwrite(fd, b"x", 100)
except OSError:
    pass
os.close(fd)
PY
is "a write out of order: nothing saved" "$(uids Work)" "1 2 3 "
is "and nothing left in tmp/" "$(tmp_files "$MAILTREE_STORE/mail/alice/.Work/tmp")" 0

# cp -r of a message directory copies the message, with its flags.
ok "touch a flag on the source" touch "$MNT/INBOX/1/flags/flagged"
ok "mkdir Copies" mkdir "$MNT/Copies"
ok "cp -r INBOX/1 Copies/" cp -r "$MNT/INBOX/1" "$MNT/Copies/"
is "one new message in Copies" "$(uids Copies)" "1 "
cmp -s "$MNT/Copies/1/message.eml" "$MNT/INBOX/1/message.eml"; is "same bytes" $? 0
is "flags carried by flags/" "$(mt message list alice Copies | cut -f4)" '(\Flagged)'
ok "cp -r to the name 0 always makes a new copy" cp -r "$MNT/INBOX/1" "$MNT/Copies/0"
is "second copy" "$(uids Copies)" "1 2 "
ok "cp -r onto an existing UID fails" sh -c "! cp -r '$MNT/INBOX/1' '$MNT/Copies/' 2>/dev/null"
is "and appends nothing" "$(uids Copies)" "1 2 "
ok "mkdir of a new number, then rmdir" sh -c "mkdir '$MNT/Copies/55' && rmdir '$MNT/Copies/55'"
# Both: 1 was used last by the failed cp -r, so it may outlive 0, and
# while it lives Copies/1 names it rather than the message.
ok "the new message directories go away after use" wait_for 20 sh -c \
	"test ! -e '$MNT/Copies/0' && grep -qx 1 '$MNT/Copies/1/uid'"
is "Copies lists the copies" "$(ls "$MNT/Copies" | tr '\n' ' ')" "1 2 "
is "no leftovers in tmp/" "$(tmp_files "$MAILTREE_STORE/mail/alice/.Copies/tmp")" 0
ok "rm -r Copies" rm -r "$MNT/Copies"

ok "mv renames a folder with its children" mv "$MNT/Work" "$MNT/Play"
ok "children renamed" sh -c "mt folder list alice | grep -qx Play/2024"
is "messages kept" "$(uids Play)" "1 2 3 "
ok "rmdir of a folder with messages: refused" sh -c "! rmdir '$MNT/Play/=2024' '$MNT/Play' 2>/dev/null"
ok "rm -r of a folder" rm -r "$MNT/Play"
ok "folder and child gone" sh -c "! mt folder list alice | grep -q Play"
ok "rmdir INBOX: refused" sh -c "! rmdir '$MNT/INBOX' 2>/dev/null"
is "INBOX untouched" "$(uids INBOX)" "1 "
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"
ok "mount again" fuse_mount -o user=alice
python3 - "$MNT/INBOX/part.eml" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY)
os.write(fd, b"Subject: never\n\n")
time.sleep(5)
PY
writer=$!
wait_for 2 test -e "$MNT/INBOX/part.eml"
kill -9 "$MTFS_PID"; wait "$MTFS_PID" 2>/dev/null; MTFS_PID=
fusermount3 -uz "$MNT" 2>/dev/null
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
is "killed mid-write: no message" "$(uids INBOX)" "1 "
ok "after kill -9 the store checks clean" mt check alice
done_testing
