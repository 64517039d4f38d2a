# A full disk: deliver exits 75 (EX_TEMPFAIL, the MTA retries later) and
# leaves nothing behind, not even in tmp/.  Needs root for a small tmpfs.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "needs root to mount a small tmpfs"
	done_testing; exit
fi
mnt=$T_DIR/small
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
	skip "cannot mount tmpfs here"
	done_testing; exit
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T_DIR"' EXIT
export MAILTREE_STORE=$mnt/store
mt init >/dev/null && mt user add -p x u >/dev/null
printf 'Subject: small\n\nfits\n' | mt deliver u 2>/dev/null
is "a small message is delivered" $? 0
big=$T_DIR/big
{ printf 'Subject: big\n\n'; head -c 400000 /dev/zero | tr '\0' 'y' | fold -w 70; } >"$big"
mt deliver u <"$big" 2>"$T_DIR/err"
is "a message larger than the free space: EX_TEMPFAIL" $? 75
ok "the error says why" grep -qi "no space" "$T_DIR/err"
is "nothing partial in tmp/" "$(ls "$MAILTREE_STORE/mail/u/tmp" | wc -l)" 0
is "only the small message is visible" "$(mt message list u INBOX | cut -f1 | tr '\n' ' ')" "1 "
rm -f "$big"
printf 'Subject: after\n\nok\n' | mt deliver u 2>/dev/null
is "delivery works again once there is room" $? 0
done_testing
