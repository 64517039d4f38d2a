# A store restored from a copy taken earlier (rsync or cp -a) keeps its
# UIDs and UIDVALIDITY, and MODSEQs never go below what clients saw after
# the copy was taken, whether or not the copy holds mailtree's index.
. "$(dirname "$0")/lib.sh"

modseq() { mt stats -v | awk -F'\t' '$2 == "INBOX" { sub(/.*modseq=/, "", $5); sub(/ .*/, "", $5); print $5 }'; }
uidv() { head -1 "$MAILTREE_STORE/mail/u/dovecot-uidlist" | cut -d' ' -f2; }

mt init >/dev/null && mt user add -p x u >/dev/null
for i in 1 2 3; do printf 'Subject: m%s\n\nx\n' $i | mt deliver u 2>/dev/null; done
mt message flag u INBOX 1 '\Seen' >/dev/null
v1=$(uidv)
cp -a "$MAILTREE_STORE/mail/u" "$T_DIR/backup"
mt message flag u INBOX 2 '\Flagged' >/dev/null
mt message flag u INBOX 3 '\Answered' >/dev/null
seen=$(modseq)
ok "MODSEQ is known before the restore" test -n "$seen"

for variant in "with its index" "without its index"; do
	rm -rf "$MAILTREE_STORE/mail/u"
	cp -a "$T_DIR/backup" "$MAILTREE_STORE/mail/u"
	[ "$variant" = "without its index" ] && rm -f "$MAILTREE_STORE"/mail/u/mailtree.*
	after=$(modseq)
	ok "restore $variant: MODSEQ above what clients saw ($after > $seen)" test "$after" -gt "$seen"
	is "restore $variant: UIDs kept" "$(mt message list u INBOX | cut -f1 | tr '\n' ' ')" "1 2 3 "
	is "restore $variant: UIDVALIDITY kept" "$(uidv)" "$v1"
	is "restore $variant: flags are the copy's" "$(mt message list u INBOX | cut -f4 | tr '\n' ' ')" '(\Seen) () () '
	seen=$after
done
rm -rf "$T_DIR"
done_testing
