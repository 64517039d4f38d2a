# Several processes delivering, flagging and expunging on one folder at
# once: afterwards every delivered message is there exactly once, with a
# UID of its own, and nothing is left half-written.
. "$(dirname "$0")/lib.sh"

mt init >/dev/null && mt user add -p x u >/dev/null
deliverers=4 per=40
for d in $(seq 1 $deliverers); do
	(
		for i in $(seq 1 $per); do
			printf 'Subject: msg %s-%s\nX-Id: %s-%s\n\nbody %s-%s\n' $d $i $d $i $d $i |
				mt deliver u 2>/dev/null && echo "$d-$i" >>"$T_DIR/acked.$d"
		done
	) &
done
# Flag and expunge while the deliveries run.
(
	for i in $(seq 1 60); do
		mt message flag u INBOX $((i % 50 + 1)) +'\Seen' +'$Junk' >/dev/null 2>&1
	done
) &
(
	for uid in 3 7 11 19 23; do
		sleep 0.2
		mt message expunge u INBOX $uid >/dev/null 2>&1 && echo $uid >>"$T_DIR/expunged"
	done
) &
wait

acked=$(cat "$T_DIR"/acked.* | sort)
is "every delivery exited 0" "$(echo "$acked" | wc -l)" $((deliverers * per))
mt message list u INBOX >"$T_DIR/list"
uids=$(cut -f1 "$T_DIR/list")
is "UIDs are unique" "$(echo "$uids" | sort -n | uniq -d | wc -l)" 0
nexp=$(wc -l <"$T_DIR/expunged" 2>/dev/null || echo 0)
is "messages = delivered - expunged" "$(wc -l <"$T_DIR/list")" $((deliverers * per - nexp))
present=$(for f in "$MAILTREE_STORE"/mail/u/new/* "$MAILTREE_STORE"/mail/u/cur/*; do
	sed -n 's/^X-Id: //p' "$f"; done | sort)
dups=$(echo "$present" | uniq -d | wc -l)
is "no message is stored twice" "$dups" 0
missing=$(comm -23 <(echo "$acked") <(echo "$present") | wc -l)
is "every acknowledged message is present unless expunged" "$missing" "$nexp"
ok "no expunged UID is listed" bash -c "! cut -f1 '$T_DIR/list' | grep -qxF -f '$T_DIR/expunged'"
ok "tmp/ is empty" test -z "$(ls "$MAILTREE_STORE/mail/u/tmp")"
ok "no lock left behind" test ! -e "$MAILTREE_STORE/mail/u/dovecot-uidlist.lock"
lines=$(($(wc -l <"$MAILTREE_STORE/mail/u/dovecot-uidlist") - 1))
ok "dovecot-uidlist has a line per UID ever given" test "$lines" -ge "$(wc -l <"$T_DIR/list")"
ok "dovecot-uidlist UIDs are ascending" sh -c "tail -n +2 '$MAILTREE_STORE/mail/u/dovecot-uidlist' | cut -d' ' -f1 | sort -nc"
rm -rf "$T_DIR"
done_testing
