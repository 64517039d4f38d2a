# mailtree import and export: Maildir trees keeping UIDVALIDITY, UIDs,
# flags, keywords and dates; mbox dates and quoting; message files; error
# exit codes; and every file of the shared corpus imported and exported
# back byte for byte.
. "$(dirname "$0")/lib.sh"

S=$MAILTREE_STORE/mail
ok "init" mt init
for u in alice bob carol dave; do
	ok "user add $u" mt user add -p x $u
done

# list_col USER FOLDER COLUMN: one column of `message list`, space-separated.
list_col() { mt message list "$1" "$2" | cut -f"$3" | tr '\n' ' '; }
uidlist_head() { head -1 "$1/dovecot-uidlist" | cut -d' ' -f1-3; }
# hashes DIR...: sorted SHA-256 of every file below the directories.
hashes() { find "$@" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort; }

### A Maildir++ tree built by hand, as Dovecot leaves one.
src=$T_DIR/src
mkdir -p "$src"/cur "$src"/new "$src"/tmp
printf 'Subject: five\n\nbody 5\n' >"$src/cur/1000.A.host:2,S"
printf 'Subject: nine\n\nbody 9\n' >"$src/cur/1001.B.host:2,FSa"
printf 'Subject: forty-two\r\n\r\nbody 42\r\n' >"$src/new/1002.C.host"
printf '3 V12345 N43 G0123456789abcdef0123456789abcdef\n5 :1000.A.host\n9 :1001.B.host\n42 :1002.C.host\n' \
	>"$src/dovecot-uidlist"
printf '0 $Junk\n' >"$src/dovecot-keywords"
touch -d '2020-01-02 03:04:05 UTC' "$src"/cur/* "$src"/new/*
# A sub-folder without a uidlist, and one with a modified UTF-7 name.
mkdir -p "$src/.Lists.Work/cur" "$src/.Lists.Work/new" "$src/.Lists.Work/tmp"
printf 'Subject: w1\n\nw\n' >"$src/.Lists.Work/new/2000.X.host"
printf 'Subject: w2\n\nw\n' >"$src/.Lists.Work/cur/2001.Y.host:2,RS"
mkdir -p "$src/.Gr&APYA3w-e/cur" "$src/.Gr&APYA3w-e/new" "$src/.Gr&APYA3w-e/tmp"
printf 'Subject: g\n\ng\n' >"$src/.Gr&APYA3w-e/cur/3000.Z.host:2,T"
chmod -R a-w "$src"
snapshot() { (cd "$src" && find . -printf '%p %T@ %s %m\n' | sort && hashes .); }
before=$(snapshot)

out=$(mt import alice "$src")
is "maildir import: exit 0 and summary" "$?:$out" "0:imported 6 messages (119 bytes) into 3 folders"
is "UIDs kept" "$(list_col alice INBOX 1)" "5 9 42 "
is "flags and keyword kept" "$(mt message list alice INBOX | cut -f4 | tr '\n' ' ')" \
	'(\Seen) (\Flagged \Seen $Junk) () '
is "internal dates from the files' mtimes" "$(list_col alice INBOX 3)" \
	"2020-01-02T03:04:05Z 2020-01-02T03:04:05Z 2020-01-02T03:04:05Z "
is "dovecot-uidlist header keeps UIDVALIDITY and next UID" "$(uidlist_head "$S/alice")" "3 V12345 N43"
is "dovecot-keywords of the target" "$(cat "$S/alice/dovecot-keywords")" '0 $Junk'
ok "bytes kept (CRLF message)" cmp "$src/new/1002.C.host" <(mt message cat alice INBOX 42)
ok "flagless message from new/ stays in new/" test "$(ls "$S/alice/new" | wc -l)" -eq 1
ok "flagged message file carries :2,FSa" sh -c "ls '$S/alice/cur' | grep -q ':2,FSa\$'"
printf 'Subject: next\n\n' | mt deliver alice 2>/dev/null
is "the next delivery gets the source's next UID" "$(list_col alice INBOX 1)" "5 9 42 43 "
is "sub-folders imported with decoded names" \
	"$(mt folder list alice | grep -E '^(Lists|Größe)' | tr '\n' ' ')" "Größe Lists Lists/Work "
is "folder without uidlist: messages by name" "$(mt message list alice Lists/Work | cut -f1,4,5 | tr '\n\t' '| ')" \
	"1 () w1|2 (\\Answered \\Seen) w2|"
is "\\Deleted flag kept" "$(mt message list alice Größe | cut -f4)" '(\Deleted)'
ok "new folders are subscribed" sh -c "mt folder list alice --subscribed | grep -qx 'Lists/Work'"
is "the source Maildir is left exactly as it was" "$(snapshot)" "$before"

out=$(mt import -t maildir alice "$src" 2>&1)
is "second import into a non-empty folder: new UIDs" "$(list_col alice INBOX 1)" "5 9 42 43 44 45 46 "
is "UIDVALIDITY unchanged by it" "$(uidlist_head "$S/alice" | cut -d' ' -f2)" "V12345"
ok "it says the UIDs were not kept" sh -c "echo '$out' | grep -q 'was not empty'"
is "keyword on a re-imported message" "$(mt message list alice INBOX | sed -n 6p | cut -f4)" '(\Flagged \Seen $Junk)'

# Keyword letters are translated: in a folder where 'a' is taken, $Junk
# becomes 'b'.
ok "folder K" mt folder create alice K
printf 'Subject: k\n\n' | mt deliver -m K alice 2>/dev/null
ok "flag it \$Label1 (letter a)" mt message flag alice K 1 '$Label1'
ok "import into K" mt import -m K alice "$src"
is "K's keywords" "$(cat "$S/alice/.K/dovecot-keywords" | tr '\n' ' ')" '0 $Label1 1 $Junk '
ok "\$Junk is letter b there" sh -c "ls '$S/alice/.K/cur' | grep -q ':2,FSb\$'"
is "K's message keeps \$Junk by name" "$(mt message list alice K | grep -c '\$Junk')" 1
is "with -m, source folders go below FOLDER" "$(mt folder list alice | grep '^K/' | tr '\n' ' ')" "K/Größe K/Lists K/Lists/Work "

ok "-m into a new folder keeps UIDs" mt import -m Imported dave "$src"
is "Imported: UIDs 5 9 42" "$(list_col dave Imported 1)" "5 9 42 "
is "Imported: UIDVALIDITY 12345" "$(uidlist_head "$S/dave/.Imported" | cut -d' ' -f2)" "V12345"

### Export to Maildir, import into a fresh user: the same UIDs, flags, bytes.
ok "export the whole mailbox as Maildir++" mt export alice "$T_DIR/exp/"
is "exported INBOX uidlist" "$(uidlist_head "$T_DIR/exp")" "3 V12345 N47"
is "exported keywords" "$(cat "$T_DIR/exp/dovecot-keywords")" '0 $Junk'
ok "exported folder is a Maildir++ sub-folder" test -f "$T_DIR/exp/.Lists.Work/maildirfolder"
ok "exported subscriptions" cmp "$S/alice/subscriptions" "$T_DIR/exp/subscriptions"
ok "exported file names are the store's" cmp <(ls "$S/alice/cur") <(ls "$T_DIR/exp/cur")
ok "exported mtimes are the internal dates" test \
	"$(stat -c %Y "$T_DIR"/exp/cur/* | sort -u)" = "$(stat -c %Y "$S"/alice/cur/* | sort -u)"
ok "export refuses a non-empty directory" sh -c "! mt export alice '$T_DIR/exp/' 2>/dev/null"
mt export alice "$T_DIR/exp/" 2>/dev/null; is "... with EX_CANTCREAT (73)" $? 73
ok "import the export into a fresh user" mt import bob "$T_DIR/exp"
# fdir USER FOLDER: the folder's directory in the store.
fdir() {
	case $2 in
	INBOX) echo "$S/$1" ;;
	Größe) echo "$S/$1/.Gr&APYA3w-e" ;;
	*) echo "$S/$1/.${2//\//.}" ;;
	esac
}
same=yes
for f in INBOX K Lists/Work Größe Archive; do
	[ "$(mt message list alice "$f")" = "$(mt message list bob "$f")" ] || { same="no: $f"; break; }
	[ "$(uidlist_head "$(fdir alice "$f")" | cut -d' ' -f2)" = \
	  "$(uidlist_head "$(fdir bob "$f")" | cut -d' ' -f2)" ] ||
		{ same="no: uidlist of $f"; break; }
	for u in $(list_col alice "$f" 1); do
		cmp -s <(mt message cat alice "$f" $u) <(mt message cat bob "$f" $u) || { same="no: $f $u"; break 2; }
	done
done
is "UIDs, UIDVALIDITY, sizes, dates, flags and bytes match after the round trip" "$same" yes
printf 'Subject: after\n\n' | mt deliver bob 2>/dev/null
is "and the next UID" "$(list_col bob INBOX 1 | awk '{print $NF}')" 47
ok "export -m FOLDER writes that folder as the tree's INBOX" mt export -m K alice "$T_DIR/expk/"
ok "... with K's uidlist" cmp <(tail -n +2 "$S/alice/.K/dovecot-uidlist") <(tail -n +2 "$T_DIR/expk/dovecot-uidlist")

### mbox: dates from From_ lines, mboxrd and mboxo un-quoting, no added header.
mbox=$T_DIR/in.mbox
printf '%s\n' 'From a@example.org Thu Jan  1 00:00:00 2015' 'Return-Path: <a@example.org>' \
	'Subject: one' '' '>From x' '>>From y' '' \
	'From b@example.org Sat Feb  3 04:05:06 2024' 'Return-Path: <b@example.org>' \
	'Subject: two' '' 'body' '' >"$mbox"
out=$(mt import -m rd carol "$mbox")
is "mbox import summary" "$out" "imported 2 messages (106 bytes) into 1 folder"
is "internal dates from the From_ lines" "$(list_col carol rd 3)" "2015-01-01T00:00:00Z 2024-02-03T04:05:06Z "
is "mboxrd: one '>' removed from each >*From line" "$(mt message cat carol rd 1 | tail -n 2 | tr '\n' '|')" \
	"From x|>From y|"
is "the envelope sender is not added as a header" "$(mt message cat carol rd 1 | head -1)" "Return-Path: <a@example.org>"
ok "mboxo" mt import --mboxo -m o carol "$mbox"
is "mboxo: only >From loses its '>'" "$(mt message cat carol o 1 | tail -n 2 | tr '\n' '|')" \
	"From x|>>From y|"
ok "export to mbox" mt export -m rd carol "$T_DIR/out.mbox"
ok "an mbox with Return-Path and asctime From_ lines round-trips byte for byte" cmp "$mbox" "$T_DIR/out.mbox"
mt export -m rd carol "$T_DIR/out.mbox" 2>/dev/null; is "export will not replace an mbox" $? 73
ok "... unless --force" mt export --force -m rd carol "$T_DIR/out.mbox"
is "export to standard output" "$(mt export -m rd carol - | head -1)" "From a@example.org Thu Jan  1 00:00:00 2015"
ok "export an empty folder to mbox" mt export -m Sent carol "$T_DIR/empty.mbox"
is "... gives an empty file" "$(stat -c %s "$T_DIR/empty.mbox")" 0
is "which imports as no message" "$(mt import -m e carol "$T_DIR/empty.mbox")" "imported 0 messages (0 bytes) into 1 folder"
printf 'Subject: no sender\n\nx\n' | mt deliver -m rd carol 2>/dev/null
is "no Return-Path: MAILER-DAEMON" "$(mt export -m rd carol - | grep '^From ' | tail -1 | cut -d' ' -f2)" \
	"MAILER-DAEMON"

### Message files: bytes kept; -F drops a From_ line and takes its date.
msg=$T_DIR/one.eml
printf 'From x@example.org Mon Mar  4 05:06:07 2019\nSubject: file\n\nbody\n' >"$msg"
ok "--files: a file starting with From is one message" mt import --files -m files carol "$msg"
ok "... stored byte for byte" cmp "$msg" <(mt message cat carol files 1)
ok "-F -t files" mt import -F -t files -m files carol "$msg"
is "-F drops the From_ line" "$(mt message cat carol files 2)" "$(tail -n +2 "$msg")"
is "-F takes the From_ line's date" "$(list_col carol files 3 | cut -d' ' -f2)" "2019-03-04T05:06:07Z"
ok "without --files, such a file is an mbox" mt import -m auto carol "$msg"
is "... of one message" "$(mt message cat carol auto 1)" "$(tail -n +2 "$msg")"
mkdir -p "$T_DIR/dir/sub"
printf 'Subject: a\n\n' >"$T_DIR/dir/b"
printf 'Subject: b\n\n' >"$T_DIR/dir/a"
printf 'x' >"$T_DIR/dir/.hidden"
touch -d '2021-06-07 08:09:10 UTC' "$T_DIR/dir/a"
out=$(mt import -m dir carol "$T_DIR/dir" 2>"$T_DIR/err")
is "a directory of files, in name order" "$(list_col carol dir 5)" "b a "
is "internal date of a file without -F: its mtime" "$(list_col carol dir 3 | cut -d' ' -f1)" "2021-06-07T08:09:10Z"
ok "a sub-directory is skipped with a warning" grep -q 'sub: not a regular file' "$T_DIR/err"

### Progress: on a terminal only.
ok "no progress output when stderr is not a terminal" sh -c "! grep -q importing '$T_DIR/err'"
script -qec "mt import -m tty carol '$mbox'" "$T_DIR/typescript" >/dev/null 2>&1
ok "a progress line on a terminal" grep -q 'importing: [0-9]* messages, ' "$T_DIR/typescript"

### Errors.
mt import carol "$T_DIR/nonexistent" 2>/dev/null; is "missing source: EX_NOINPUT (66)" $? 66
is "... and nothing imported" "$(mt message list carol INBOX | wc -l)" 0
mt import -t mbox carol "$T_DIR/dir/a" 2>"$T_DIR/err"; is "-t mbox on a non-mbox: EX_DATAERR (65)" $? 65
ok "... saying why" grep -q 'not an mbox' "$T_DIR/err"
mt import -t maildir carol "$T_DIR/dir" 2>/dev/null; is "-t maildir on a non-Maildir: 65" $? 65
mt import nobody "$mbox" 2>/dev/null; is "unknown user: EX_NOUSER (67)" $? 67
mt export nobody "$T_DIR/x.mbox" 2>/dev/null; is "export, unknown user: 67" $? 67
mt export -m NoSuch carol "$T_DIR/x.mbox" 2>/dev/null; is "export, unknown folder: 65" $? 65
mt import -t tar carol "$mbox" 2>/dev/null; is "unknown type: EX_USAGE (64)" $? 64
mt import -m a.b carol "$mbox" 2>/dev/null; is "bad folder name: 65" $? 65
mt folder create carol Broken
rm -r "$S/carol/.Broken/tmp" && : >"$S/carol/.Broken/tmp"
mt import -m Broken carol "$mbox" 2>"$T_DIR/err"; rc=$?
ok "a message that cannot be saved stops the import" test $rc -ne 0
ok "... naming the mbox message" grep -q 'message 1 (From_ line at byte 0)' "$T_DIR/err"
for v in import export; do
	ok "$v --help" sh -c "mt $v --help | grep -q '^usage: mailtree $v'"
done

### The shared corpus, every file, imported and exported back byte for byte.
C=${MAILTREE_CORPUS:-}
if [ -z "$C" ]; then
	skip "no corpus (MAILTREE_CORPUS is empty)"
else
	n=0
	for d in "$C"/torture/*/ "$C"/realistic/spamassassin/*/; do
		name=$(basename "$d")
		mt import -m "c/$name" dave "$d" >/dev/null || echo "import $d failed"
		n=$((n + 1))
	done 2>&1 | sed 's/^/# /'
	ok "export the corpus folders as Maildir" mt export dave "$T_DIR/cexp/"
	bad=
	for d in "$C"/torture/*/ "$C"/realistic/spamassassin/*/; do
		name=$(basename "$d")
		[ "$(hashes "$d")" = "$(hashes "$T_DIR/cexp/.c.$name/cur" "$T_DIR/cexp/.c.$name/new")" ] ||
			bad="$bad $name"
	done
	is "every torture and SpamAssassin file exported byte for byte" "${bad:-none}" none
	is "6,346 messages exported from the corpus folders" \
		"$(find "$T_DIR"/cexp/.c.*/cur "$T_DIR"/cexp/.c.*/new -type f | wc -l)" 6346

	declare -A want=([mime4j-rlug]=5 [mimekit-content-length]=29 [mimekit-issue1189]=4
			 [mimekit-simple]=3 [mimekit-unmunged]=2)
	for f in "$C"/mbox/*.mbox; do
		m=$(basename "$f" .mbox)
		mt import -m "mbox/$m" bob "$f" >/dev/null
		is "$m: message count" "$(mt message list bob "mbox/$m" | wc -l)" "${want[$m]}"
		mt export -m "mbox/$m" bob "$T_DIR/$m.out" >/dev/null
		mt import -m "again/$m" bob "$T_DIR/$m.out" >/dev/null
		same=yes
		for u in $(list_col bob "mbox/$m" 1); do
			cmp -s <(mt message cat bob "mbox/$m" $u) <(mt message cat bob "again/$m" $u) || same="no: $u"
		done
		is "$m: export and re-import give every message back byte for byte" "$same" yes
		is "$m: and the same internal dates" "$(list_col bob "again/$m" 3)" "$(list_col bob "mbox/$m" 3)"
	done
	# The From_ lines are written anew (Return-Path, asctime UTC); apart
	# from them mime4j-rlug (blank line before every From_, no quoting
	# needed) comes back byte for byte.  The others do not, as mbox.h
	# says: mimekit-simple and -content-length have no blank line before
	# some From_ lines, -issue1189 lacks the final one, and -unmunged has
	# a BOM and unquoted body From lines, which the export quotes.
	fromless() { sed 's/^From .*/From -/' "$1"; }
	ok "mime4j-rlug: the exported mbox is the original but for From_ lines" \
		cmp <(fromless "$C/mbox/mime4j-rlug.mbox") <(fromless "$T_DIR/mime4j-rlug.out")
	for m in mimekit-simple mimekit-content-length mimekit-issue1189 mimekit-unmunged; do
		ok "$m: the exported mbox differs from the original (see above)" \
			sh -c "! cmp -s '$C/mbox/$m.mbox' '$T_DIR/$m.out'"
	done
	same=yes
	for i in 0 1 2 3 4; do
		# mime4j keeps the blank line before the next From_ in the
		# message; mbox.h's reader drops it.
		cmp -s <(head -c -1 "$C/mbox/mime4j-rlug.expected/message-$i.eml") \
			<(mt message cat bob mbox/mime4j-rlug $((i + 1))) || same="no: $i"
	done
	is "mime4j-rlug messages are mime4j's expected split less the blank line" "$same" yes
	is "mbox From_ dates kept (mimekit-content-length message 4)" \
		"$(mt message list bob mbox/mimekit-content-length | sed -n 4p | cut -f3)" "1996-06-03T12:50:27Z"
fi

chmod -R u+w "$src"
rm -rf "$T_DIR"
done_testing
