# A real Dovecot 2.3 and mailtree on the same store, taking turns: each
# must see exactly the UIDVALIDITY, UIDs, UIDNEXT, flags, keywords, folder
# names and message bytes the other wrote, which is what lets a store move
# between them with no client resync.  Dovecot runs from a config in a
# temporary directory (no listeners; doveadm and dovecot-lda talk to its
# auth service), both as an unprivileged user, since Dovecot refuses mail
# access as root.  Dovecot's own index files live outside the store, so
# only the shared files carry state between the two.
# shellcheck disable=SC2016  # $Work, $Dovecot are IMAP keywords, not variables
. "$(dirname "$0")/lib.sh"

RUN_AS=mailtreetest
missing=
[ "$(id -u)" -eq 0 ] || missing="not running as root"
for b in /usr/sbin/dovecot /usr/bin/doveadm /usr/lib/dovecot/dovecot-lda \
    /usr/bin/setpriv /usr/sbin/useradd; do
	[ -x "$b" ] || missing="${missing:+$missing, }$b missing"
done
if [ -n "$missing" ]; then
	echo "# Dovecot interoperability needs root and Dovecot: $missing" >&2
	skip "Dovecot interoperability: $missing (tools/install-deps, run as root)"
	rm -rf "$T_DIR"
	done_testing
	exit
fi

id "$RUN_AS" >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$RUN_AS" 2>/dev/null ||
	id "$RUN_AS" >/dev/null	# another test run may have just made it

# Everything the unprivileged user touches lives in a directory it can
# reach ($T_DIR is private to root), including a copy of the binary.
D=$(mktemp -d "${TMPDIR:-/tmp}/mailtree-dovecot.XXXXXX")
chmod 711 "$D"
mkdir -p "$D/bin" "$D/store" "$D/idx" "$D/run" "$D/state"
install -m 755 "$MAILTREE" "$D/bin/mailtree"
chown "$RUN_AS:" "$D/store" "$D/idx"
S=$D/store
export MAILTREE_STORE=$S
CONF=$D/dovecot.conf
sleeper=

cleanup() {
	if [ -f "$D/run/master.pid" ]; then
		local pid
		pid=$(cat "$D/run/master.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null
	rm -rf "$D" "$T_DIR"
}
trap cleanup EXIT

# mtu: mailtree as the mail user (also usable inside sh -c).
printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --clear-groups -- "%s" "$@"\n' \
    "$RUN_AS" "$RUN_AS" "$D/bin/mailtree" >"$T_DIR/bin/mtu"
chmod +x "$T_DIR/bin/mtu"
# doveadm reports what it finds inconsistent on standard error: keep it.
dv() { doveadm -c "$CONF" "$@" 2>>"$D/doveadm.err"; }
lda() { /usr/lib/dovecot/dovecot-lda -c "$CONF" "$@"; }

cat >"$CONF" <<EOF
base_dir = $D/run
state_dir = $D/state
instance_name = mailtree-interop-$$
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
protocols =
ssl = no
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:$S/mail/%u:INDEX=$D/idx/%u
namespace inbox {
  inbox = yes
  separator = /
}
# Users and passwords come from mailtree's passwd file (0600, so auth reads
# it as root); uid, gid and home come from here, since users created by a
# root mailtree have empty uid and gid fields.
passdb {
  driver = passwd-file
  args = $S/passwd
}
userdb {
  driver = static
  args = uid=$RUN_AS gid=$RUN_AS home=$S/mail/%u
}
service auth {
  user = root
}
EOF

if ! setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --clear-groups -- \
    test -w "$S" -a -x "$D/bin/mailtree"; then
	ok "$RUN_AS can reach $D (TMPDIR must be traversable)" false
	done_testing
	exit
fi
ok "mailtree init as the mail user" mtu init
ok "mailtree user add alice" mtu user add -p 'open sesame' alice
ok "mailtree user add (SHA256-CRYPT)" mtu user add -S SHA256-CRYPT -p pw256 carol
ok "mailtree user add (BLF-CRYPT)" mtu user add -S BLF-CRYPT -p pwblf dave
ok "Dovecot starts on the store" dovecot -c "$CONF"
for _ in $(seq 50); do [ -S "$D/run/auth-userdb" ] && break; sleep 0.1; done

ok "Dovecot accepts mailtree's SHA512-CRYPT password" dv auth test alice 'open sesame'
ok "Dovecot accepts mailtree's SHA256-CRYPT password" dv auth test carol pw256
ok "Dovecot accepts mailtree's BLF-CRYPT password" dv auth test dave pwblf
dv auth test alice wrong >/dev/null 2>&1
ok "Dovecot refuses a wrong password" test $? -ne 0

A=$S/mail/alice
GR='Projekte/Größe'

# The flags of every message, one line "UID FLAG FLAG ..." with the flags
# sorted, as each side reports them.  \Recent is per session, not stored.
sort_flags() {
	local uid rest f
	set -f
	while read -r uid rest; do
		# shellcheck disable=SC2086
		f=$(printf '%s\n' $rest | grep -vx '\\Recent' | LC_ALL=C sort | paste -sd' ')
		echo "$uid${f:+ $f}"
	done
	set +f
}
mt_flags() { mtu message list alice "$1" | cut -f1,4 | tr -d '()' | sort_flags; }
dv_flags() {
	dv -f tab fetch -u alice 'uid flags' mailbox "$1" all | tail -n +2 |
	    sort_flags
}
mt_uids() { mtu message list alice "$1" | cut -f1 | paste -sd' '; }
dv_uids() {
	dv -f tab fetch -u alice uid mailbox "$1" all | tail -n +2 | paste -sd' '
}
mt_sizes() { mtu message list alice "$1" | cut -f1,2; }
dv_sizes() {
	dv -f tab fetch -u alice 'uid size.physical' mailbox "$1" all | tail -n +2
}
dv_status() {	# dv_status MAILBOX FIELD
	dv -f tab mailbox status -u alice "$2" "$1" | tail -n +2 | cut -f2
}
# UIDVALIDITY and the next UID as the folder's dovecot-uidlist gives them:
# the next UID is the larger of the header's N and the last UID + 1.
uidlist_validity() { sed -n '1s/.* V\([0-9]*\).*/\1/p' "$1/dovecot-uidlist"; }
uidlist_next() {
	awk 'NR == 1 { for (i = 2; i <= NF; i++) if ($i ~ /^N/) n = substr($i, 2) }
	     NR > 1 && $1 + 1 > n { n = $1 + 1 }
	     END { print n }' "$1/dovecot-uidlist"
}
# The message bytes doveadm gives, without its "text:" label line.
dv_text() {
	dv fetch -u alice text mailbox "$1" uid "$2" | tail -c +7
}
same_bytes() {	# same_bytes FOLDER UID
	mtu message cat alice "$1" "$2" >"$T_DIR/mt.eml" &&
	    dv_text "$1" "$2" >"$T_DIR/dv.eml" &&
	    [ -s "$T_DIR/mt.eml" ] && cmp "$T_DIR/mt.eml" "$T_DIR/dv.eml"
}

echo "# 1. mailtree writes, Dovecot reads"
for i in 1 2 3 4 5; do
	printf 'From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: mailtree %s\nMessage-ID: <mt%s@example.org>\n\nBody of message %s.\n' \
	    "$i" "$i" "$i" | mtu deliver -f bob@example.org alice 2>/dev/null ||
	    echo "not delivered: $i" >&2
done
is "mailtree delivered UIDs 1-5" "$(mt_uids INBOX)" "1 2 3 4 5"
ok "flag 1: \\Seen \\Flagged" mtu message flag alice INBOX 1 +'\Seen' +'\Flagged'
ok "flag 2: \\Answered and keyword \$Work" mtu message flag alice INBOX 2 +'\Answered' '$Work'
ok "flag 5: \\Draft \\Deleted" mtu message flag alice INBOX 5 +'\Draft' +'\Deleted'
ok "folder create $GR" mtu folder create alice "$GR"
is "copy UID 2 to $GR" "$(mtu message copy alice INBOX 2 "$GR")" 1
is "move UID 4 to $GR" "$(mtu message move alice INBOX 4 "$GR")" 2
ok "expunge UID 3" mtu message expunge alice INBOX 3
ok "subscribe $GR" mtu folder subscribe alice "$GR"
G=$A/.Projekte.Gr\&APYA3w-e
# What mailtree chose, before Dovecot has opened the folders.
v_inbox=$(uidlist_validity "$A")
v_gr=$(uidlist_validity "$G")
ok "mailtree wrote a UIDVALIDITY" test -n "$v_inbox" -a -n "$v_gr"

want_inbox='1 \Flagged \Seen
2 $Work \Answered
5 \Deleted \Draft'
is "mailtree lists INBOX flags and keyword" "$(mt_flags INBOX)" "$want_inbox"
is "Dovecot fetches the same INBOX UIDs, flags and keyword" "$(dv_flags INBOX)" "$want_inbox"
want_gr='1 $Work \Answered
2'
is "mailtree lists $GR" "$(mt_flags "$GR")" "$want_gr"
is "Dovecot fetches the same $GR UIDs, flags and keyword" "$(dv_flags "$GR")" "$want_gr"
is "Dovecot's INBOX UIDVALIDITY is dovecot-uidlist's" \
    "$(dv_status INBOX uidvalidity)" "$v_inbox"
is "Dovecot's $GR UIDVALIDITY is dovecot-uidlist's" \
    "$(dv_status "$GR" uidvalidity)" "$v_gr"
is "INBOX UIDNEXT in dovecot-uidlist" "$(uidlist_next "$A")" 6
is "Dovecot's INBOX UIDNEXT" "$(dv_status INBOX uidnext)" 6
is "Dovecot's $GR UIDNEXT" "$(dv_status "$GR" uidnext)" "$(uidlist_next "$G")"
is "Dovecot's INBOX message count" "$(dv_status INBOX messages)" 3
ok "UIDVALIDITY differs between folders" test "$v_inbox" != "$v_gr"
ok "Dovecot lists $GR by its UTF-8 name" \
    sh -c "doveadm -c '$CONF' mailbox list -u alice 2>>'$D/doveadm.err' | grep -qxF '$GR'"
ok "Dovecot sees $GR subscribed" \
    sh -c "doveadm -c '$CONF' mailbox list -s -u alice 2>>'$D/doveadm.err' | grep -qxF '$GR'"
is "Dovecot's sizes are mailtree's" "$(dv_sizes INBOX)" "$(mt_sizes INBOX)"
ok "INBOX UID 1: Dovecot's bytes are mailtree's" same_bytes INBOX 1
ok "$GR UID 2 (moved): Dovecot's bytes are mailtree's" same_bytes "$GR" 2
ok "mailtree's bytes are what was delivered" sh -c \
    "mtu message cat alice INBOX 5 | tail -n 1 | grep -qx 'Body of message 5.'"

echo "# 2. Dovecot writes, mailtree reads"
for i in 6 7 8; do
	printf 'From: Eve <eve@example.org>\nTo: alice@example.org\nSubject: dovecot %s\nMessage-ID: <dc%s@example.org>\n\nBody of message %s.\n' \
	    "$i" "$i" "$i" | lda -d alice -f eve@example.org ||
	    echo "dovecot-lda failed: $i" >&2
done
printf 'From: Eve <eve@example.org>\nSubject: saved\n\nSaved by doveadm.\n' |
    dv save -u alice -m "$GR"
is "dovecot-lda's UIDs follow mailtree's" "$(dv_uids INBOX)" "1 2 5 6 7 8"
is "mailtree lists the UIDs Dovecot assigned" "$(mt_uids INBOX)" "$(dv_uids INBOX)"
is "mailtree lists the UID doveadm save assigned" "$(mt_uids "$GR")" "1 2 3"
ok "Dovecot sets \\Seen and \$Dovecot on 6" dv flags add -u alice '\Seen $Dovecot' mailbox INBOX uid 6
ok "Dovecot sets \\Answered on 8" dv flags add -u alice '\Answered' mailbox INBOX uid 8
ok "Dovecot sets \$Dovecot on mailtree's 1" dv flags add -u alice '$Dovecot' mailbox INBOX uid 1
ok "Dovecot clears \\Deleted on mailtree's 5" dv flags remove -u alice '\Deleted' mailbox INBOX uid 5
ok "Dovecot expunges 7" dv expunge -u alice mailbox INBOX uid 7
ok "Dovecot creates Reisen/Übersee, subscribed" dv mailbox create -s -u alice 'Reisen/Übersee'
want_inbox='1 $Dovecot \Flagged \Seen
2 $Work \Answered
5 \Draft
6 $Dovecot \Seen
8 \Answered'
is "Dovecot's flags" "$(dv_flags INBOX)" "$want_inbox"
is "mailtree lists Dovecot's UIDs, flags and keywords" "$(mt_flags INBOX)" "$want_inbox"
is "dovecot-keywords holds both sides' keywords" \
    "$(cat "$A/dovecot-keywords")" "$(printf '0 $Work\n1 $Dovecot')"
is "mailtree's sizes are Dovecot's" "$(mt_sizes INBOX)" "$(dv_sizes INBOX)"
ok "INBOX UID 6 (dovecot-lda): mailtree's bytes are Dovecot's" same_bytes INBOX 6
ok "$GR UID 3 (doveadm save): mailtree's bytes are Dovecot's" same_bytes "$GR" 3
ok "mailtree lists Reisen/Übersee" sh -c "mtu folder list alice | grep -qxF 'Reisen/Übersee'"
ok "mailtree sees Reisen/Übersee subscribed" \
    sh -c "mtu folder list alice --subscribed | grep -qxF 'Reisen/Übersee'"
ok "stored in modified UTF-7" test -d "$A/.Reisen.&ANw-bersee/cur"
printf 'Subject: into the new folder\n\nx\n' | mtu deliver -m 'Reisen/Übersee' alice 2>/dev/null
is "mailtree delivers into Dovecot's folder" "$(dv_uids 'Reisen/Übersee')" 1
is "... and Dovecot keeps the UIDVALIDITY mailtree gave it" \
    "$(dv_status 'Reisen/Übersee' uidvalidity)" "$(uidlist_validity "$A/.Reisen.&ANw-bersee")"
ok "Dovecot creates R&D" dv mailbox create -u alice 'R&D'
ok "mailtree lists R&D (stored as .R&-D)" \
    sh -c "test -d '$A/.R&-D' && mtu folder list alice | grep -qxF 'R&D'"

echo "# 3. Both write, in turns"
ok "mailtree clears \\Seen that Dovecot set" mtu message flag alice INBOX 6 -'\Seen'
is "Dovecot sees it cleared" "$(dv_flags INBOX | grep '^6 ')" '6 $Dovecot'
is "both see the same UIDs" "$(mt_uids INBOX)" "$(dv_uids INBOX)"
is "both agree on UIDNEXT" "$(dv_status INBOX uidnext)" "$(uidlist_next "$A")"
printf 'Subject: turn 1\n\nmailtree\n' | mtu deliver alice 2>/dev/null
printf 'Subject: turn 2\n\ndovecot\n' | lda -d alice
printf 'Subject: turn 3\n\nmailtree\n' | mtu deliver alice 2>/dev/null
printf 'Subject: turn 4\n\ndovecot\n' | lda -d alice
is "alternating deliveries: no gap, no reuse (mailtree)" "$(mt_uids INBOX)" "1 2 5 6 8 9 10 11 12"
is "alternating deliveries: no gap, no reuse (Dovecot)" "$(dv_uids INBOX)" "1 2 5 6 8 9 10 11 12"
is "Dovecot's UIDNEXT after both" "$(dv_status INBOX uidnext)" 13
is "dovecot-uidlist's UIDNEXT after both" "$(uidlist_next "$A")" 13
is "UIDVALIDITY never changed (Dovecot)" "$(dv_status INBOX uidvalidity)" "$v_inbox"
is "UIDVALIDITY never changed (dovecot-uidlist)" "$(uidlist_validity "$A")" "$v_inbox"
ok "dovecot-uidlist UIDs ascend, each once" sh -c \
    "tail -n +2 '$A/dovecot-uidlist' | cut -d' ' -f1 | sort -nuc"
is "subjects in UID order" "$(mtu message list alice INBOX | tail -n 4 | cut -f5 | paste -sd,)" \
    "turn 1,turn 2,turn 3,turn 4"
is "$GR after Dovecot's save: both agree" "$(mt_flags "$GR")" "$(dv_flags "$GR")"
# Copying maps keyword letters per folder: $Dovecot is letter b in INBOX
# but new to the other folder.
is "mailtree copies Dovecot's 6 to $GR" "$(mtu message copy alice INBOX 6 "$GR")" 4
is "Dovecot sees its keyword on the copy" "$(dv_flags "$GR" | tail -n 1)" '4 $Dovecot'
# The highest UIDs expunged: their numbers must not come back on either
# side.  Once most lines of dovecot-uidlist are expunged Dovecot rewrites
# it without them, and only the header's N remembers the UIDs given.
ok "folder create Kurz" mtu folder create alice Kurz
for i in 1 2 3 4 5; do
	printf 'Subject: kurz %s\n\nx\n' "$i" | mtu deliver -m Kurz alice 2>/dev/null
done
ok "Dovecot expunges UIDs 2-5 of Kurz" dv expunge -u alice mailbox Kurz uid 2:5
is "Dovecot rewrote dovecot-uidlist: UID 1 is its last line" \
    "$(tail -n 1 "$A/.Kurz/dovecot-uidlist" | cut -d' ' -f1)" 1
printf 'Subject: after 5\n\n' | mtu deliver -m Kurz alice 2>/dev/null
is "mailtree does not reuse Dovecot's expunged UIDs" "$(mt_uids Kurz)" "1 6"
ok "mailtree expunges the highest UID (6)" mtu message expunge alice Kurz 6
printf 'Subject: after 6\n\n' | lda -d alice -m Kurz
is "Dovecot does not reuse mailtree's expunged UID" "$(dv_uids Kurz)" "1 7"
is "both see the same UIDs after that" "$(mt_uids Kurz)" "$(dv_uids Kurz)"
is "both agree on Kurz's UIDNEXT" "$(dv_status Kurz uidnext)" "$(uidlist_next "$A/.Kurz")"
# Both at once: the dot-lock must keep them from giving one UID twice.
before=$(mt_uids INBOX | wc -w)
for i in $(seq 1 25); do
	printf 'Subject: race mt %s\n\nx\n' "$i" | mtu deliver alice 2>/dev/null ||
	    echo "mailtree deliver failed" >&2
done &
racer=$!
for i in $(seq 1 25); do
	printf 'Subject: race dc %s\n\nx\n' "$i" | lda -d alice ||
	    echo "dovecot-lda failed" >&2
done
wait "$racer"
is "concurrent deliveries: every message there (mailtree)" \
    "$(mt_uids INBOX | wc -w)" $((before + 50))
is "concurrent deliveries: every message there (Dovecot)" \
    "$(dv_uids INBOX | wc -w)" $((before + 50))
is "concurrent deliveries: UIDs 13-62, no gap, no duplicate" \
    "$(mt_uids INBOX | tr ' ' '\n' | tail -n 50 | paste -sd' ')" "$(seq -s' ' 13 62)"
is "concurrent deliveries: both see the same UIDs" "$(mt_uids INBOX)" "$(dv_uids INBOX)"
is "concurrent deliveries: one file per message" \
    "$(find "$A/new" "$A/cur" -type f | wc -l)" $((before + 50))
ok "no lock left behind" test ! -e "$A/dovecot-uidlist.lock"
ok "tmp/ is empty" test -z "$(ls "$A/tmp")"

echo "# 4. dovecot-uidlist.lock"
LOCK=$A/dovecot-uidlist.lock
printf '99999999:%s' "$(uname -n)" >"$LOCK"
chown "$RUN_AS:" "$LOCK"
touch -d '-10 sec' "$LOCK"
start=$(date +%s)
printf 'Subject: after a crash\n\n' | mtu deliver alice 2>"$T_DIR/stale.err"
is "a stale lock of a dead process is overridden" $? 0
ok "... quickly" test $(($(date +%s) - start)) -le 5
ok "... and the lock is gone" test ! -e "$LOCK"
is "... and the message got the next UID" "$(dv_uids INBOX | awk '{print $NF}')" 63

sleep 300 &
sleeper=$!
printf '%s:%s' "$sleeper" "$(uname -n)" >"$LOCK"
chown "$RUN_AS:" "$LOCK"
printf 'Subject: waited\n\n' | timeout 30 mtu deliver alice 2>/dev/null &
waiter=$!
sleep 1
ok "deliver waits while a live process holds the lock" kill -0 "$waiter"
rm -f "$LOCK"
wait "$waiter"
is "... and succeeds once it is released" $? 0
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null
sleeper=
is "... with the next UID, which Dovecot sees" "$(dv_uids INBOX | awk '{print $NF}')" 64
# $Forwarded is a keyword on both sides (Dovecot ignores the Maildir P).
ok "mailtree sets \$Forwarded on 64" mtu message flag alice INBOX 64 '$Forwarded'
ok "Dovecot sees \$Forwarded" sh -c "doveadm -c '$CONF' -f tab fetch -u alice flags mailbox INBOX uid 64 | grep -q 'Forwarded'"
ok "Dovecot clears it" dv flags remove -u alice '$Forwarded' mailbox INBOX uid 64
is "mailtree sees it cleared" "$(mtu message list alice INBOX | awk -F'\t' '$1 == 64 {print $4}')" "()"
ok "Dovecot sets \$Forwarded on 63" dv flags add -u alice '$Forwarded' mailbox INBOX uid 63
ok "mailtree clears it" mtu message flag alice INBOX 63 -'$Forwarded'
is "Dovecot sees it cleared" "$(dv -f tab fetch -u alice flags mailbox INBOX uid 63 | tail -n +2 | grep -c Forwarded)" 0

# Dovecot complains in its log about anything it finds inconsistent
# (a changed UIDVALIDITY, a broken dovecot-uidlist, a lost file).
is "Dovecot logged no errors or warnings" \
    "$(cat "$D/doveadm.err"; grep -E 'Error|Warning|Panic|Fatal' "$D/dovecot.log")" ""

if [ "$T_FAILED" -gt 0 ]; then
	echo "# Dovecot log:"
	tail -n 20 "$D/dovecot.log" | sed 's/^/#   /'
fi
done_testing
