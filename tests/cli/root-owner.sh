# mailtree run by root on a store that belongs to another user: every
# file it makes must belong to the store's owner, so that the daemon and
# the mount, which run as that owner, can go on reading and changing
# them.  Needs root and setpriv; the owner is a numeric uid, so no
# system account is made.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	skip "root on another user's store: needs root and setpriv"
	done_testing; exit
fi
O=58121
S=$MAILTREE_STORE
# The owner must reach the store and the binary ($T_DIR is private).
chmod 711 "$(dirname "$T_DIR")" "$T_DIR"
install -m 755 "$MAILTREE" "$T_DIR/bin/mailtree"
as_owner() { setpriv --reuid=$O --regid=$O --clear-groups -- "$T_DIR/bin/mailtree" "$@"; }
# Paths in the store that do not belong to the owner.
foreign() { find "$S" \( ! -uid $O -o ! -gid $O \) -printf '%P\n'; }

install -d -o $O -g $O "$S"
ok "init of an empty directory the owner made" mt init
ok "user add" mt user add -p x alice
is "the passwd entry names the owner's uid and gid" \
	"$(awk -F: '$1 == "alice" { print $3 ":" $4 }' "$S/passwd")" "$O:$O"
printf 'Subject: one\n\nfirst\n' | mt deliver alice; is "deliver as root" $? 0
ok "folder create" mt folder create alice Work
ok "flag" mt message flag alice INBOX 1 '\Seen' '$Work'
ok "copy" mt message copy alice INBOX 1 Work
printf 'Subject: two\n\nsecond\n' >"$T_DIR/two.eml"
chmod 644 "$T_DIR/two.eml"
ok "import of a file the owner can read" mt import --files -m Work alice "$T_DIR/two.eml"
ok "check --repair" mt check --repair alice
is "nothing in the store belongs to root" "$(foreign)" ""

# The store's own programs, running as the owner, carry on.
printf 'Subject: three\n\nthird\n' | as_owner deliver alice
is "the owner delivers after root's commands" $? 0
is "and gets the next UID" "$(as_owner message list alice INBOX | cut -f1 | tr '\n' ' ')" "1 2 "
ok "the owner changes a flag root set" as_owner message flag alice INBOX 1 -- '-$Work'
is "the owner renames the folder root made" "$(as_owner folder rename alice Work Old 2>&1; echo $?)" 0

# Files named on the command line are used as the owner.
printf 'Subject: secret\n\nroot only\n' >"$T_DIR/secret.eml"
chmod 600 "$T_DIR/secret.eml"
mt import --files alice "$T_DIR/secret.eml" 2>"$T_DIR/err"; rc=$?
is "a file only root can read is not imported: EX_NOPERM" "$rc" 77
ok "with a clear error" grep -q 'Permission denied' "$T_DIR/err"
is "and nothing was stored" "$(mt message list alice INBOX | wc -l)" 2

# A store that belongs to root stays root's.
R=$T_DIR/rootstore
mt -s "$R" init >/dev/null && mt -s "$R" user add -p x bob >/dev/null
printf 'Subject: r\n\nr\n' | mt -s "$R" deliver bob
is "a root store's files stay root's" \
	"$(find "$R" ! -uid 0 -printf '%P\n')" ""
done_testing
