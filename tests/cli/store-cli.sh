# The mailtree command on a real store: init, users, folders, deliver,
# messages and flags, checked by the files on disk and the exit codes.
. "$(dirname "$0")/lib.sh"

ok "init creates a store" mt init
ok "passwd file is private" test "$(stat -c %a "$MAILTREE_STORE/passwd")" = 600
ok "user add" mt user add -p secret alice
ok "user add (second user)" mt user add -S SHA256-CRYPT -p pw bob
mt user add -p x alice >/dev/null 2>&1; is "adding a user twice fails" $? 65
mt user add -p x ../evil >/dev/null 2>&1; is "a user name with .. is refused" $? 65
is "user list" "$(mt user list | tr '\n' ' ')" "alice bob "
ok "passwd line is Dovecot's format with SHA512-CRYPT" \
	grep -qE '^alice:\{SHA512-CRYPT\}\$6\$[^:]+:[0-9]*:[0-9]*:[^:]*:[^:]*/mail/alice:' "$MAILTREE_STORE/passwd"
ok "mailbox has Maildir++ INBOX" test -d "$MAILTREE_STORE/mail/alice/cur" -a -d "$MAILTREE_STORE/mail/alice/new" -a -d "$MAILTREE_STORE/mail/alice/tmp"
ok "default folders exist with maildirfolder" test -f "$MAILTREE_STORE/mail/alice/.Sent/maildirfolder"

msg=$'From: Carol <carol@example.org>\nSubject: Hello\n\nHi Alice.\n'
printf '%s' "$msg" | mt deliver -f carol@example.org alice
is "deliver exits 0" $? 0
f=$(ls "$MAILTREE_STORE/mail/alice/new/")
is "one file in new/" "$(ls "$MAILTREE_STORE/mail/alice/new/" | wc -l)" 1
want=$(printf 'Return-Path: <carol@example.org>\nDelivered-To: alice\n%s' "$msg")
is "stored bytes: trace fields, then the message exactly" "$(cat "$MAILTREE_STORE/mail/alice/new/$f")" "$want"
size=$(stat -c %s "$MAILTREE_STORE/mail/alice/new/$f")
ok "file name has S=<size>" sh -c "echo '$f' | grep -q ',S=$size,W='"
ok "file name is <sec>.M<usec>P<pid>Q<n>.<host>" sh -c "echo '$f' | grep -qE '^[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.'"
is "dovecot-uidlist records UID 1" "$(sed -n 2p "$MAILTREE_STORE/mail/alice/dovecot-uidlist")" "1 :$f"
ok "tmp/ is empty after delivery" test -z "$(ls "$MAILTREE_STORE/mail/alice/tmp")"

printf 'From someone@example.net Thu Jan  1 00:00:00 2024\nSubject: mbox style\n\nx\n' | mt deliver -m Junk alice
ok "leading From_ line becomes Return-Path" sh -c "mt message cat alice Junk 1 | head -1 | grep -qx 'Return-Path: <someone@example.net>'"
printf 'Subject: lost\n\n' | mt deliver -m NoSuchFolder alice 2>/dev/null
is "unknown folder: delivered to INBOX" "$(mt message list alice INBOX | wc -l)" 2
printf 'x\n' | mt deliver nobody 2>/dev/null; is "unknown user: EX_NOUSER (67)" $? 67
printf 'x\n' | MAILTREE_STORE=$T_DIR/none mt deliver alice 2>/dev/null; rc=$?
ok "missing store: not success" test "$rc" -ne 0

ok "flag a message" mt message flag alice INBOX 1 +'\Seen' +'\Flagged' '$Label1'
ok "flags are letters in cur/" sh -c "ls '$MAILTREE_STORE/mail/alice/cur/' | grep -qE ':2,FSa$'"
is "dovecot-keywords" "$(cat "$MAILTREE_STORE/mail/alice/dovecot-keywords")" '0 $Label1'
is "message list shows flags" "$(mt message list alice INBOX | head -1 | cut -f4)" '(\Flagged \Seen $Label1)'
ok "clear a flag" mt message flag alice INBOX 1 -'\Flagged'
ok "flag letter gone" sh -c "ls '$MAILTREE_STORE/mail/alice/cur/' | grep -qE ':2,Sa$'"
is "copy prints the new UID" "$(mt message copy alice INBOX 1 Archive)" 1
n1=$(stat -c %h "$MAILTREE_STORE"/mail/alice/.Archive/cur/*)
is "copy is a hard link" "$n1" 2
is "move prints the new UID" "$(mt message move alice INBOX 2 Archive)" 2
is "moved message left INBOX" "$(mt message list alice INBOX | cut -f1 | tr '\n' ' ')" "1 "
ok "expunge" mt message expunge alice Archive 1
is "expunged message is gone" "$(mt message list alice Archive | cut -f1 | tr '\n' ' ')" "2 "
printf 'Subject: again\n\n' | mt deliver alice
ok "expunge the newest message" mt message expunge alice INBOX 3
printf 'Subject: and again\n\n' | mt deliver alice
is "UIDs are never reused" "$(mt message list alice INBOX | cut -f1 | tr '\n' ' ')" "1 4 "

ok "folder create (non-ASCII, nested)" mt folder create alice 'Projekte/Größe'
ok "stored as Dovecot does (modified UTF-7)" test -d "$MAILTREE_STORE/mail/alice/.Projekte.Gr&APYA3w-e"
ok "listed in UTF-8" sh -c "mt folder list alice | grep -qx 'Projekte/Größe'"
mt folder create alice '../../etc' 2>/dev/null; is "'..' refused" $? 65
mt folder create alice 'a.b' 2>/dev/null; is "'.' refused" $? 65
mt folder create alice "$(printf 'a\tb')" 2>/dev/null; is "control character refused" $? 65
ok "rename moves children" mt folder rename alice Projekte Work
ok "child renamed" sh -c "mt folder list alice | grep -qx 'Work/Größe'"
ok "subscriptions updated" sh -c "mt folder list alice --subscribed | grep -qx 'Work/Größe'"
mt folder delete alice INBOX 2>/dev/null; is "INBOX cannot be deleted" $? 65
ok "delete -r" mt folder delete alice -r Work
ok "folder and child gone" sh -c "! mt folder list alice | grep -q Work"
ok "stats" sh -c "mt stats | grep -qx 'users 2'"
chmod 640 "$MAILTREE_STORE/passwd"
if [ "$(id -u)" = 0 ]; then chown 1:1 "$MAILTREE_STORE/passwd"; fi
owner=$(stat -c %u:%g "$MAILTREE_STORE/passwd")
ok "user passwd" mt user passwd -p newpw alice
is "rewriting passwd keeps its owner and mode" "$(stat -c %u:%g:%a "$MAILTREE_STORE/passwd")" "$owner:640"
ok "user del keeps mail" sh -c "mt user del bob && test -d '$MAILTREE_STORE/mail/bob'"
mt frobnicate >/dev/null 2>&1; is "unknown verb: EX_USAGE" $? 64
for v in init user folder deliver message stats; do
	ok "$v --help" sh -c "mt $v --help | grep -q '^usage: mailtree'"
done
rm -rf "$T_DIR"
done_testing
