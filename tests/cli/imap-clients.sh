# Real IMAP clients against mailtreed on a loopback port: curl imap://
# (LIST, a message by UID byte for byte, SEARCH, APPEND) and mbsync
# syncing a mailbox both ways with a local Maildir (flags, new messages
# and deletions each way) and staying stable on the next run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"

PORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
tls_cert = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
tls = starttls
CONF
ok "mailtreed starts with an imap listener" start_daemon "$T_DIR/d.conf"
dlv() { mt deliver "$@" >/dev/null 2>&1; }
printf 'Subject: one\n\nfirst\n.dot line\n' | dlv alice
printf 'Subject: two\r\n\r\ncrlf body\r\n' | dlv alice
printf 'Subject: three\n\nno final newline' | dlv alice
mt folder create alice Work >/dev/null
printf 'Subject: work one\n\nin a folder\n' | dlv -m Work alice
uids() { mt message list alice "$1" | cut -f1 | tr '\n' ' '; }
subjects() { mt message list alice "$1" | cut -f5 | sort | tr '\n' ,; }

# ---- curl ----
crlf() { python3 -c 'import re, sys
sys.stdout.buffer.write(re.sub(rb"(?<!\r)\n", b"\r\n", sys.stdin.buffer.read()))'; }
URL=imap://127.0.0.1:$PORT
ok "curl imap:// lists the folders, Work and INBOX among them" sh -c \
    "curl -s -u alice:x '$URL/' | tr -d '\r' | grep -qx '\* LIST (.*) \"/\" Work' &&
     curl -s -u alice:x '$URL/' | grep -q ' INBOX'"
for uid in $(uids INBOX); do
	curl -s -u alice:x "$URL/INBOX;UID=$uid" >"$T_DIR/got"
	is "curl imap:// INBOX;UID=$uid is the stored message with CRLF" \
	    "$(od -c <"$T_DIR/got")" "$(mt message cat alice INBOX "$uid" | crlf | od -c)"
done
is "curl imap://.../INBOX?SUBJECT%20two searches" \
    "$(curl -s -u alice:x "$URL/INBOX?SUBJECT%20two" | tr -d '\r')" \
    "* SEARCH $(mt message list alice INBOX | grep 'two$' | cut -f1)"
printf 'Subject: uploaded\r\nFrom: curl@example.org\r\n\r\nsent by curl -T\r\n' \
    >"$T_DIR/up.eml"
ok "curl -T uploads into Work (APPEND)" curl -s -u alice:x -T "$T_DIR/up.eml" "$URL/Work"
new=$(mt message list alice Work | grep 'uploaded$' | cut -f1)
is "the upload is stored byte for byte" \
    "$(mt message cat alice Work "${new:-0}" | od -c)" "$(od -c <"$T_DIR/up.eml")"
ok "curl -X 'STATUS Work (MESSAGES)' runs a custom command" sh -c \
    "curl -s -u alice:x -X 'STATUS Work (MESSAGES)' '$URL/' | grep -q 'MESSAGES 2'"
mt message expunge alice Work "$new" >/dev/null
# curl fetched with BODY[], which sets \Seen (RFC 3501 6.4.5); start the
# sync from unread messages.
for uid in $(uids INBOX); do mt message flag alice INBOX "$uid" -'\Seen' >/dev/null; done

# ---- mbsync ----
if ! command -v mbsync >/dev/null; then
	skip "mbsync not installed (tools/install-deps installs isync)"
	ok "the daemon stops cleanly" stop_daemon
	done_testing
	exit
fi
NEAR=$T_DIR/near
mkdir -p "$NEAR"
mbrc() {	# mbrc SSLTYPE
	cat <<RC
IMAPAccount mt
Host localhost
Port $PORT
User alice
Pass x
SSLType $1
CertificateFile $T_DIR/cert.pem
AuthMechs PLAIN LOGIN

IMAPStore far
Account mt

MaildirStore near
Path $NEAR/
Inbox $NEAR/INBOX
SubFolders Verbatim

Channel ch
Far :far:
Near :near:
Patterns INBOX Work
Create Both
Expunge Both
SyncState *
RC
}
mbrc None >"$T_DIR/mbsyncrc"
mbrc STARTTLS >"$T_DIR/mbsyncrc-tls"
sync() { mbsync -c "$T_DIR/${1:-mbsyncrc}" ch; }
# near FOLDER: the Maildir's messages as "subject flags", sorted.
near() {
	local f
	for f in "$NEAR/$1"/cur/* "$NEAR/$1"/new/*; do
		[ -f "$f" ] || continue
		printf '%s %s\n' "$(sed -n 's/^Subject: //p' "$f" | tr -d '\r' | head -n 1)" \
		    "$(basename "$f" | sed -n 's/.*:2,//p')"
	done | sort | tr '\n' ,
}
# far FOLDER: the store's messages as "subject flags", sorted.
far() {
	mt message list alice "$1" | awk -F '\t' '{ printf "%s %s\n", $5, $4 }' |
	    sort | tr '\n' ,
}
nearfile() { grep -l "^Subject: $2" "$NEAR/$1"/cur/* "$NEAR/$1"/new/* 2>/dev/null | head -n 1; }

ok "mbsync: first run copies INBOX and Work into the Maildir" sync
is "the Maildir INBOX has the three messages" \
    "$(near INBOX | sed 's/ [A-Z]*,/,/g')" "one,three,two,"
is "the Maildir Work has its message" "$(near Work | sed 's/ [A-Z]*,/,/g')" "work one,"
# mbsync writes LF line ends, and adds an X-TUID header to the messages
# it copies, to find them again after an interruption.
f=$(nearfile INBOX one)
is "a synced message is the stored message (but LF and X-TUID)" \
    "$(grep -v '^X-TUID: ' "$f" | od -c)" \
    "$(mt message cat alice INBOX "$(mt message list alice INBOX | grep 'one$' | cut -f1)" | tr -d '\r' | od -c)"

# Flags both ways: \Flagged set on the server, \Seen set in the Maildir.
mt message flag alice INBOX "$(mt message list alice INBOX | grep 'one$' | cut -f1)" '\Flagged' >/dev/null
f=$(nearfile INBOX two)
case $f in *:2,*) mv "$f" "$f"S ;; *) mv "$f" "$f:2,S" ;; esac
# A new message each way.
printf 'Subject: four\n\nfrom the server\n' | dlv alice
printf 'Subject: local\nFrom: me@example.org\n\nwritten in the Maildir\n' \
    >"$NEAR/INBOX/new/$(date +%s).local1.test"
# And a deletion each way: three on the server, work one in the Maildir.
mt message expunge alice INBOX "$(mt message list alice INBOX | grep 'three$' | cut -f1)" >/dev/null
rm "$(nearfile Work 'work one')"

ok "mbsync: second run propagates both ways" sync
is "server INBOX: \\Seen from the Maildir, the local message, three gone" \
    "$(far INBOX)" "four (),local (),one (\\Flagged),two (\\Seen),"
is "Maildir INBOX: \\Flagged from the server, four arrived, three gone" \
    "$(near INBOX)" "four ,local ,one F,two S,"
is "server Work: the message deleted in the Maildir is expunged" "$(far Work)" ""
is "Maildir Work: empty" "$(near Work)" ""
f=$(nearfile INBOX four)
is "the message delivered on the server arrives byte for byte (but X-TUID)" \
    "$(grep -v '^X-TUID: ' "$f" | od -c)" \
    "$(mt message cat alice INBOX "$(mt message list alice INBOX | grep 'four$' | cut -f1)" | tr -d '\r' | od -c)"
lu=$(mt message list alice INBOX | grep 'local$' | cut -f1)
is "the uploaded local message is stored with CRLF line ends (and X-TUID)" \
    "$(mt message cat alice INBOX "${lu:-0}" | grep -av '^X-TUID: ' | od -c)" \
    "$(crlf <"$(nearfile INBOX local)" | od -c)"

before_far="$(mt message list alice INBOX) $(uids Work)"
before_near=$(cd "$NEAR" && find . -type f ! -name '.mbsync*' | sort)
ok "mbsync: a third run, over STARTTLS" sync mbsyncrc-tls
is "the server is unchanged by the third run" \
    "$(mt message list alice INBOX) $(uids Work)" "$before_far"
is "the Maildir is unchanged by the third run (same files, no duplicates)" \
    "$(cd "$NEAR" && find . -type f ! -name '.mbsync*' | sort)" "$before_near"
out=$(mbsync -V -c "$T_DIR/mbsyncrc" ch 2>&1)
is "mbsync -V: nothing left to propagate" \
    "$(echo "$out" | grep -ciE 'propagat|upload|expunging|deleting')" 0
ok "the daemon stops cleanly" stop_daemon
ok "no warnings in the log" sh -c "! grep -Ei 'warn|error' '$T_DIR/daemon.log'"
done_testing
