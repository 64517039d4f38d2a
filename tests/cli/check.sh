# mailtree check [--repair] on real stores damaged by hand with shell
# tools: each damage is reported (exit 1), repaired (exit 0, "fixed:"
# lines), and a second check is clean; UIDs, UIDVALIDITY and message bytes
# are compared before and after.
. "$(dirname "$0")/lib.sh"

S=$MAILTREE_STORE
D=$S/mail/alice
OUT=$T_DIR/check.out	# the last check
CHK=$T_DIR/check1.out	# cycle's first check
REP=$T_DIR/repair.out	# cycle's repair

mt init >/dev/null
mt user add -p x alice >/dev/null
for i in 1 2 3 4 5; do
	printf 'Subject: m%s\n\nbody %s\n' $i $i | mt deliver alice 2>/dev/null
done
mt message flag alice INBOX 2 '\Seen'

# The facts a user sees: UIDs with subjects and flags, UIDVALIDITY,
# next UID, and the bytes of every message file.
uids() { mt message list "${2:-alice}" "${1:-INBOX}" | cut -f1,4,5 | tr '\t\n' ' ;'; }
uidv() { head -1 "${1:-$D}/dovecot-uidlist" | grep -o ' V[0-9]*'; }
# The next UID: the header's N or the last UID + 1, whichever is larger
# (appends do not rewrite the header).
nextuid() { awk 'NR == 1 { for (i = 2; i <= NF; i++) if ($i ~ /^N/) n = substr($i, 2) + 0 }
		 NR > 1 && $1 ~ /^[0-9]+$/ && $1 + 1 > n { n = $1 + 1 }
		 END { print n }' "${1:-$D}/dovecot-uidlist"; }
bytes() { find "${1:-$D}/cur" "${1:-$D}/new" -type f -exec sha256sum {} + |
	  cut -d' ' -f1 | sort | sha256sum | cut -d' ' -f1; }
name_of() { awk -v u="$1" 'NR > 1 && $1 == u { sub(/^[^:]*:/, ""); print }' "$D/dovecot-uidlist"; }
nfiles() { find "${1:-$D}/cur" "${1:-$D}/new" -type f | wc -l; }

# cycle NAME PROBLEM-REGEX FIXED-REGEX: check finds it, repair fixes it,
# a second check is clean.
cycle() {
	mt check >"$CHK" 2>&1; is "$1: check exits 1" $? 1
	ok "$1: check reports it" grep -Eq "$2" "$CHK"
	mt check --repair >"$REP" 2>&1; is "$1: repair exits 0" $? 0
	ok "$1: repair says what it did" grep -Eq "fixed: $3" "$REP"
	mt check >"$OUT" 2>&1; is "$1: second check is clean" $? 0
	ok "$1: second check reports no problem" \
		sh -c "! grep -v ': note: ' '$OUT'"
}

ok "a fresh store is clean" mt check
is "clean: nothing printed" "$(mt check)" ""
mt check --repair >/dev/null; is "clean: --repair exits 0" $? 0

# 1. Stale and fresh files in tmp/.
echo junk >"$D/tmp/old.crash"; touch -d '-2 days' "$D/tmp/old.crash"
echo busy >"$D/tmp/fresh.delivery"
cycle "stale tmp" "alice INBOX: 1 file in tmp/ older than 36 hours" \
	"deleted 1 file from tmp/"
ok "stale tmp: old file deleted" test ! -e "$D/tmp/old.crash"
ok "stale tmp: fresh file left alone" test -e "$D/tmp/fresh.delivery"
ok "stale tmp: fresh file mentioned" grep -q 'alice INBOX: note: 1 file in tmp/ newer' "$OUT"
rm "$D/tmp/fresh.delivery"

# 2. A message file copied into cur/ by hand has no UID.
before=$(uids); v=$(uidv); n=$(nextuid)
printf 'Subject: by hand\n\nhand\n' >"$D/cur/1600000000.M1P1.hand,S=24:2,S"
cycle "file without UID" "alice INBOX: 1 message file in cur/ has no UID" \
	"gave 1 message file UID $n\$"
is "file without UID: old UIDs kept" "$(uids | cut -d';' -f1-5)" "${before%;}"
ok "file without UID: new UID is the old next UID" \
	sh -c "mt message list alice INBOX | grep -q '^$n	.*by hand'"
is "file without UID: UIDVALIDITY unchanged" "$(uidv)" "$v"

# 3. A message file deleted by hand.
mt message list alice INBOX >/dev/null	# index up to date
before=$(uids); v=$(uidv); n=$(nextuid)
gone=$(name_of 3)
rm "$D/new/$gone"
cycle "file deleted" "1 UID line in dovecot-uidlist for files that are gone" \
	"rewrote dovecot-uidlist: .* 1 line without files dropped"
ok "file deleted: stale index reported" grep -q "mailtree.index lists 1 message whose files are gone" "$CHK"
ok "file deleted: stale index rebuilt" grep -q "fixed: deleted mailtree.index" "$REP"
ok "file deleted: its line is gone" sh -c "! grep -q '$gone' '$D/dovecot-uidlist'"
is "file deleted: other UIDs kept" "$(uids)" "$(echo "$before" | sed 's/;3 [^;]*;/;/')"
is "file deleted: UIDVALIDITY unchanged" "$(uidv)" "$v"
ok "file deleted: next UID not lowered" test "$(nextuid)" -ge "$n"

# 4. Garbage and an out-of-order line in dovecot-uidlist.
before=$(uids); v=$(uidv); n=$(nextuid)
hi=$((n + 3)); lo=$((n + 1))
printf 'Subject: nine\n\nx\n' >"$D/cur/1600000001.M1P1.a:2,"
printf 'Subject: seven\n\ny\n' >"$D/cur/1600000002.M1P1.b:2,"
printf 'this is not a record\n%s :1600000001.M1P1.a\n%s :1600000002.M1P1.b\n' \
	$hi $lo >>"$D/dovecot-uidlist"
sum=$(bytes)
cycle "broken uidlist" "1 unreadable line in dovecot-uidlist" \
	"rewrote dovecot-uidlist: .*UIDVALIDITY ${v# V} \\(kept\\), next UID $((hi + 1))"
ok "broken uidlist: out-of-order UID reported" grep -q "alice INBOX: 1 UID out of order" "$CHK"
is "broken uidlist: every readable UID kept" "$(uids)" \
	"$before$lo () seven;$hi () nine;"
is "broken uidlist: UIDVALIDITY unchanged" "$(uidv)" "$v"
is "broken uidlist: next UID above the highest" "$(nextuid)" $((hi + 1))
is "broken uidlist: message bytes unchanged" "$(bytes)" "$sum"

# 5. A cut header: UIDVALIDITY and UIDs come back from mailtree.index.
mt message list alice INBOX >/dev/null
before=$(uids); v=$(uidv); n=$(nextuid); sum=$(bytes)
head -c 9 "$D/dovecot-uidlist" >"$T_DIR/cut"; cp "$T_DIR/cut" "$D/dovecot-uidlist"
mt message list alice INBOX >/dev/null 2>&1; is "cut header: other verbs refuse (EX_SOFTWARE)" $? 70
cycle "cut header" "alice INBOX: dovecot-uidlist has an unreadable header; its UIDVALIDITY can be recovered" \
	"rewrote dovecot-uidlist: 0 UIDs kept, [0-9]+ restored from mailtree.index; UIDVALIDITY ${v# V} \\(recovered from mailtree.index\\), next UID $n\$"
is "cut header: UIDs restored" "$(uids)" "$before"
is "cut header: UIDVALIDITY recovered" "$(uidv)" "$v"
is "cut header: next UID recovered" "$(nextuid)" "$n"
is "cut header: message bytes unchanged" "$(bytes)" "$sum"

# 6. A garbled header and no index: a new UIDVALIDITY, said loudly; the
#    readable records keep their UIDs.
before=$(uids); v=$(uidv)
sed -i '1s/.*/3 Vgarbage/' "$D/dovecot-uidlist"; rm "$D/mailtree.index"
cycle "no UIDVALIDITY anywhere" "nothing else records its UIDVALIDITY" \
	"gave the folder a NEW UIDVALIDITY"
ok "no UIDVALIDITY anywhere: a new one is written" test "$(uidv)" != "$v"
is "no UIDVALIDITY anywhere: UIDs still kept" "$(uids)" "$before"

# 7. A damaged index; MODSEQs must not go back when it is rebuilt.
mt message flag alice INBOX 1 '\Flagged' >/dev/null
modseq() { mt stats -v | grep "^alice	INBOX	" | grep -o 'modseq=[0-9]*' | cut -d= -f2; }
m1=$(modseq); before=$(uids)
dd if=/dev/zero of="$D/mailtree.index" bs=1 seek=100 count=16 conv=notrunc 2>/dev/null
cycle "damaged index" "mailtree.index is damaged" \
	"deleted mailtree.index and rebuilt it from the files"
ok "damaged index: highest MODSEQ went up ($m1 -> $(modseq))" test "$(modseq)" -gt "$m1"
is "damaged index: UIDs kept" "$(uids)" "$before"

# 8. Bad flags in file names.
set -- $(mt message list alice INBOX | cut -f1 | head -4)
for u in "$@"; do mt message flag alice INBOX "$u" -'\Seen' -'\Flagged' >/dev/null; done
b1=$(name_of "$1"); b2=$(name_of "$2"); b3=$(name_of "$3"); b4=$(name_of "$4")
mv "$D/cur/$b1:2," "$D/cur/$b1:2,SF"
mv "$D/cur/$b2:2," "$D/cur/$b2:2,Sz"
mv "$D/cur/$b3:2," "$D/cur/$b3:2,XYZ"
mv "$D/cur/$b4:2," "$D/cur/$b4:2,TT,extra=1"
before=$(mt message list alice INBOX | cut -f1,5 | tr '\t\n' ' ;'); v=$(uidv)
cycle "bad flags" ":2,SF: flag letters out of ASCII order" "renamed cur/$b1:2,SF to $b1:2,FS"
ok "bad flags: unnamed keyword reported" grep -q "cur/$b2:2,Sz: keyword letters with no name" "$CHK"
ok "bad flags: unknown letters reported" grep -q "cur/$b3:2,XYZ: unknown flag letters" "$CHK"
ok "bad flags: repeated letter reported" grep -q "cur/$b4:2,TT,extra=1: a flag letter appears twice" "$CHK"
ok "bad flags: SF became FS" test -e "$D/cur/$b1:2,FS"
ok "bad flags: Sz became S" test -e "$D/cur/$b2:2,S"
ok "bad flags: XYZ dropped" test -e "$D/cur/$b3:2,"
ok "bad flags: TT became T, text after ',' kept" test -e "$D/cur/$b4:2,T,extra=1"
is "bad flags: UIDs kept" "$(mt message list alice INBOX | cut -f1,5 | tr '\t\n' ' ;')" "$before"
is "bad flags: UIDVALIDITY unchanged" "$(uidv)" "$v"
is "bad flags: flags as the letters said" "$(mt message list alice INBOX | sed -n 1,4p | cut -f4 | tr '\n' ' ')" \
	'(\Flagged \Seen) (\Seen) () (\Deleted) '

# 9. The same base name twice: a copy in new/ and cur/ (same bytes), and
#    two files in cur/ with different flags and different bytes.
mt message flag alice INBOX "$3" '\Answered' >/dev/null
before=$(uids); v=$(uidv); n=$(nextuid)
cp "$D/cur/$b1:2,FS" "$D/new/$b1"
printf 'Subject: other bytes\n\nnot the same\n' >"$D/cur/$b3:2,"
total=$(nfiles); sums=$(find "$D/cur" "$D/new" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort -u)
cycle "duplicates" "new/$b1 is a second copy of cur/$b1:2,FS" "deleted the copy new/$b1"
ok "duplicates: different bytes reported" grep -q "alice INBOX: cur/$b3:2, and cur/$b3:2,R share a base name but differ" "$CHK"
ok "duplicates: the other file renamed" grep -q "fixed: renamed cur/$b3:2, to cur/.*, to get a UID of its own" "$REP"
is "duplicates: one file fewer (the identical copy)" "$(nfiles)" $((total - 1))
is "duplicates: no message bytes lost" \
	"$(find "$D/cur" "$D/new" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort -u)" "$sums"
is "duplicates: old UIDs kept, the differing file got UID $n" "$(uids)" "$before$n () other bytes;"
ok "duplicates: kept the one with more flags" test -e "$D/cur/$b3:2,R"
is "duplicates: UIDVALIDITY unchanged" "$(uidv)" "$v"

# 10. Stale locks: a dead owner and an old mtime; a live owner is kept.
sh -c 'exit 0' & wait $!; dead=$!
printf '%s:%s' "$dead" "$(hostname)" >"$D/.Sent/dovecot-uidlist.lock"
touch -d '-1 hour' "$D/.Sent/dovecot-uidlist.lock"
printf '%s:%s' "$dead" "$(hostname)" >"$D/subscriptions.lock"
touch -d '-1 hour' "$D/subscriptions.lock"
printf '%s:%s' "$dead" "$(hostname)" >"$S/passwd.lock"
touch -d '-1 hour' "$S/passwd.lock"
printf '%s:%s' $$ "$(hostname)" >"$D/.Trash/dovecot-uidlist.lock"
touch -d '-1 hour' "$D/.Trash/dovecot-uidlist.lock"
mt check >"$OUT" 2>&1
ok "locks: a live owner's lock is mentioned" grep -q "alice Trash: note: dovecot-uidlist.lock is held by process $$" "$OUT"
ok "locks: but not as a problem" sh -c "! grep -q 'Trash: stale' '$OUT'"
# A repair waits for a live lock like every writer; release it first.
rm "$D/.Trash/dovecot-uidlist.lock"
ok "locks: passwd.lock reported" grep -q "^passwd: stale lock passwd.lock: process $dead is gone" "$OUT"
ok "locks: subscriptions.lock reported" grep -q "^alice: stale lock subscriptions.lock" "$OUT"
cycle "locks" "alice Sent: stale lock dovecot-uidlist.lock: process $dead is gone" \
	"removed the stale lock dovecot-uidlist.lock"
ok "locks: subscriptions.lock removed" grep -q "^alice: fixed: removed the stale lock subscriptions.lock" "$REP"
ok "locks: all three stale locks removed" test ! -e "$D/.Sent/dovecot-uidlist.lock" -a ! -e "$D/subscriptions.lock" -a ! -e "$S/passwd.lock"

# 11. Missing Maildir directories and maildirfolder.
rm -r "$D/.Junk/tmp"; rm "$D/.Drafts/maildirfolder"; rmdir "$D/.Archive/cur"
cycle "missing dirs" "alice Junk: tmp/ is missing" "created tmp/"
ok "missing dirs: Junk/tmp made" test -d "$D/.Junk/tmp"
ok "missing dirs: maildirfolder made" test -f "$D/.Drafts/maildirfolder"
ok "missing dirs: Archive/cur made, folder listed again" sh -c "mt folder list alice | grep -qx Archive"

# 12. A directory that is not a valid folder name: reported, never touched.
mkdir "$D/.Bad&name"
mt check >"$OUT"; is "bad folder name: check exits 1" $? 1
ok "bad folder name: reported" grep -q '^alice .Bad&name: not a valid folder name' "$OUT"
mt check --repair >"$OUT"; is "bad folder name: still 1 after --repair (report only)" $? 1
ok "bad folder name: left alone" test -d "$D/.Bad&name"
rmdir "$D/.Bad&name"

# 13. The passwd file: a bad line (reported only) and a user without a mailbox.
echo 'broken:x:notanumber:1' >>"$S/passwd"
mt user add -p x bob >/dev/null; rm -r "$S/mail/bob"
mt check >"$OUT"; is "passwd: check exits 1" $? 1
ok "passwd: bad line reported with its number" grep -q '^passwd: line 2: ' "$OUT"
ok "passwd: user without mailbox reported" grep -qx 'bob: has no mailbox' "$OUT"
mt check --repair >"$OUT"; is "passwd: a bad line remains after --repair" $? 1
ok "passwd: mailbox created" grep -qx 'bob: fixed: created the mailbox' "$OUT"
ok "passwd: bob has an INBOX" test -d "$S/mail/bob/cur" -a -f "$S/mail/bob/.Sent/maildirfolder"
sed -i '/^broken:/d' "$S/passwd"
ok "passwd: clean once the line is fixed by hand" mt check

# 14. One user, errors and usage.
printf 'Subject: x\n\n' >"$S/mail/bob/cur/1600000009.M1P1.x:2,S"
mt check alice >"$OUT"; is "one user: alice is clean" $? 0
mt check bob >"$OUT"; is "one user: bob has a problem" $? 1
ok "one user: only bob reported" sh -c "! grep -v '^bob ' '$OUT'"
mt check --repair bob >/dev/null; is "one user: bob repaired" $? 0
mt check nobody 2>/dev/null; is "unknown user: EX_NOUSER" $? 67
mt check --frob 2>/dev/null; is "bad option: EX_USAGE" $? 64
MAILTREE_STORE=$T_DIR/none mt check 2>/dev/null; is "not a store: EX_CONFIG" $? 78
ok "check --help" sh -c "mt check --help | grep -q '^usage: mailtree check'"
ok "check is in the verb list" sh -c "mt -h | grep -q '^  check '"

rm -rf "$T_DIR"
done_testing
