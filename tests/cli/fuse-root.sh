# A root mount of the whole store: a directory per user, owned by the
# uid and gid the passwd file gives (the store owner's when empty), the
# kernel checking access (default_permissions), and with allow_other no
# user reading another's mail.  Needs root; the users are numeric uids
# run with setpriv, so no system accounts are made.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	skip "root mount: needs root and setpriv"
	done_testing; exit
fi
A=58101 B=58102
as() { local id=$1; shift; setpriv --reuid="$id" --regid="$id" --clear-groups -- "$@"; }

mt init >/dev/null
for u in alice bob carol; do mt user add -p x "$u" >/dev/null; done
awk -F: -v OFS=: -v a=$A -v b=$B '
	$1 == "alice" { $3 = a; $4 = a } $1 == "bob" { $3 = b; $4 = b } { print }' \
	"$MAILTREE_STORE/passwd" >"$T_DIR/pw" && cat "$T_DIR/pw" >"$MAILTREE_STORE/passwd"
printf 'Subject: for alice\n\nsecret a\n' | mt deliver alice 2>/dev/null
printf 'Subject: for bob\n\nsecret b\n' | mt deliver bob 2>/dev/null
# The users must reach the mount point.
chmod 711 "$(dirname "$T_DIR")" "$T_DIR"

ok "root mounts the whole store" fuse_mount -o allow_other
is "a directory per user" "$(ls "$MNT" | tr '\n' ' ')" "alice bob carol "
is "owned by the passwd uid and gid; the store owner's when empty" \
	"$(ls -ln "$MNT" | awk 'NR > 1 { print $3, $4, $9 }' | tr '\n' ',')" \
	"$A $A alice,$B $B bob,0 0 carol,"
is "each user's mail is theirs alone" "$(stat -c %a "$MNT/alice")" 700
is "a message file is owned by its user" "$(stat -c '%u %g' "$MNT/alice/INBOX/1/message.eml")" "$A $A"
is "alice reads her message" "$(as $A cat "$MNT/alice/INBOX/1/subject")" "for alice"
ok "alice sets a flag" as $A touch "$MNT/alice/INBOX/1/flags/seen"
is "the flag is stored" "$(mt message list alice INBOX | cut -f4)" '(\Seen)'
ok "alice lists her folders" sh -c "setpriv --reuid=$A --regid=$A --clear-groups -- ls '$MNT/alice' | grep -qx INBOX"
is "bob reads his own" "$(as $B cat "$MNT/bob/INBOX/1/body.txt")" "secret b"
ok "bob cannot list alice's mail" sh -c "! setpriv --reuid=$B --regid=$B --clear-groups -- ls '$MNT/alice' 2>/dev/null"
ok "bob cannot read alice's message" sh -c "! setpriv --reuid=$B --regid=$B --clear-groups -- cat '$MNT/alice/INBOX/1/message.eml' 2>/dev/null"
ok "bob cannot set alice's flags" sh -c "! setpriv --reuid=$B --regid=$B --clear-groups -- touch '$MNT/alice/INBOX/1/flags/flagged' 2>/dev/null"
is "alice's flags unchanged" "$(mt message list alice INBOX | cut -f4)" '(\Seen)'
ok "an unknown uid cannot read anyone's mail" sh -c "! setpriv --reuid=58199 --regid=58199 --clear-groups -- cat '$MNT/bob/INBOX/1/subject' 2>/dev/null"
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"

# An /etc/fstab line: mount(8) runs mount.fuse3, which runs mailtree-fs
# with the line's options and mount's own (rw, dev, exec...).  mount
# clears PATH, so an uninstalled mailtree-fs is named in the source.
trap 'umount "$MNT" 2>/dev/null; fuse_unmount; rm -rf "$T_DIR"' EXIT
printf '%s#%s %s fuse user=alice,noauto 0 0\n' "$MTFS" "$MAILTREE_STORE" \
	"$MNT" >"$T_DIR/fstab"
ok "mount -T FSTAB MOUNTPOINT mounts an fstab line" mount -T "$T_DIR/fstab" "$MNT"
is "showing the user the line names" "$(cat "$MNT/INBOX/1/subject" 2>&1)" "for alice"
is "as a fuse.mailtree-fs file system" "$(findmnt -no FSTYPE "$MNT")" fuse.mailtree-fs
ok "umount unmounts it" umount "$MNT"
ok "and it is gone" sh -c "! mountpoint -q '$MNT'"
done_testing
