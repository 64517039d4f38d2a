# The MIME side of a message directory: body.txt decoded to UTF-8 (HTML
# reduced to text), attachments/ with safe, unique names and decoded
# bytes, parts/SECTION/{header,content}, exact sizes, and bounded memory
# for a 30 MB attachment.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }

mt init >/dev/null && mt user add -p x alice >/dev/null
python3 - "$T_DIR" <<'PY'
import base64, os, sys
d = sys.argv[1]
att = bytes(range(256)) * 40
open(d + "/att.bin", "wb").write(att)
b64 = base64.encodebytes(att).decode()
open(d + "/m1.eml", "w").write(f"""From: a@b.c
Subject: mime test
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: multipart/alternative; boundary="YY"

--YY
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe, caf=E9
--YY
Content-Type: text/html; charset=utf-8

<p>html</p>
--YY--
--XX
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

{b64}--XX
Content-Type: text/plain
Content-Disposition: attachment;
 filename="=?utf-8?q?..=2F..=2Fr=C3=A9sum=C3=A9.txt?="

plain attachment
--XX
Content-Type: application/pdf
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

aGVsbG8=
--XX
Content-Type: message/rfc822
Content-Disposition: attachment; filename=".hidden"

Subject: inner

inner body
--XX--
""")
open(d + "/m2.eml", "w").write("Subject: html only\nContent-Type: text/html\n\n"
    "<html><head><style>p{}</style></head><body><p>Hello &amp; bye</p></body></html>\n")
# 30 MB of attachment, base64: decoded on open into a temporary file.
big = os.urandom(30 * 1024 * 1024)
open(d + "/big.bin", "wb").write(big)
with open(d + "/m3.eml", "w") as f:
    f.write("Subject: big\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
            "Content-Type: text/plain\n\nsee attachment\n--B\n"
            "Content-Type: application/octet-stream\n"
            "Content-Disposition: attachment; filename=big.bin\n"
            "Content-Transfer-Encoding: base64\n\n")
    f.write(base64.encodebytes(big).decode())
    f.write("--B--\n")
PY
for m in m1 m2 m3; do mt deliver alice <"$T_DIR/$m.eml" 2>/dev/null; done
ok "mount" fuse_mount -o user=alice
M=$MNT/INBOX/1

is "message directory lists body.txt, attachments/, parts/" \
	"$(ls "$M" | grep -E '^(body.txt|attachments|parts)$' | tr '\n' ' ')" "attachments body.txt parts "
is "body.txt: the text part, decoded from latin-1 to UTF-8" "$(cat "$M/body.txt")" "Grüße, café"
is "body.txt of an HTML-only mail is its text" "$(cat "$MNT/INBOX/2/body.txt")" "Hello & bye"
is "attachments: decoded names, paths cut, dots and collisions renamed" \
	"$(ls "$M/attachments" | tr '\n' '|')" "_hidden|data (2).bin|data.bin|résumé.txt|"
cmp -s "$M/attachments/data.bin" "$T_DIR/att.bin"; is "a base64 attachment is decoded byte for byte" $? 0
is "second data.bin" "$(cat "$M/attachments/data (2).bin")" "hello"
is "a text attachment" "$(cat "$M/attachments/résumé.txt")" "plain attachment"
is "an attached message is its bytes" "$(cat "$M/attachments/_hidden")" $'Subject: inner\n\ninner body'
is "parts/ by IMAP section" "$(ls "$M/parts" | tr '\n' ' ')" "1 1.1 1.2 2 3 4 5 5.1 "
is "a part directory" "$(ls "$M/parts/1.1" | tr '\n' ' ')" "content header "
is "part header" "$(cat "$M/parts/1.1/header")" \
	$'Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable'
is "part content is decoded from its transfer encoding, not its charset" \
	"$(od -An -tx1 "$M/parts/1.1/content" | tr -d ' \n')" "4772fcdf652c20636166e9"
cmp -s "$M/parts/2/content" "$T_DIR/att.bin"; is "parts/2/content is the attachment" $? 0
is "an embedded message's body is its own part" "$(cat "$M/parts/5.1/content")" "inner body"
bad=0
while IFS= read -r -d '' f; do
	[ "$(wc -c <"$f")" = "$(stat -c %s "$f")" ] || { bad=$((bad + 1)); echo "# size differs: $f"; }
done < <(find "$MNT/INBOX/1" "$MNT/INBOX/2" -type f -print0)
is "wc -c equals the stat size for every MIME file" "$bad" 0
is "a message without attachments has an empty attachments/" "$(ls "$MNT/INBOX/2/attachments" | wc -l)" 0
is "parts/1 of a single-part message is its body" "$(cat "$MNT/INBOX/2/parts/1/content" | head -c 6)" "<html>"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$MTFS_PID/status"; }
before=$(rss)
is "30 MB attachment: exact size" "$(stat -c %s "$MNT/INBOX/3/attachments/big.bin")" $((30 * 1024 * 1024))
cmp -s "$MNT/INBOX/3/attachments/big.bin" "$T_DIR/big.bin"; is "30 MB attachment: same bytes" $? 0
after=$(rss)
ok "reading it grew mailtree-fs by less than 16 MB ($before -> $after kB)" test $((after - before)) -lt 16384
is "its body.txt" "$(cat "$MNT/INBOX/3/body.txt")" "see attachment"

python3 - "$M" >"$T_DIR/errnos" <<'PY'
import errno, os, sys
m = sys.argv[1]
for what, f in [("write", lambda: os.open(m + "/body.txt", os.O_WRONLY)),
                ("create", lambda: os.open(m + "/attachments/x", os.O_CREAT | os.O_WRONLY)),
                ("mkdir", lambda: os.mkdir(m + "/parts/9"))]:
    try:
        f(); print(what, "OK")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
PY
is "body.txt and attachments are read-only; no new parts" "$(tr '\n' ' ' <"$T_DIR/errnos")" \
	"write EROFS create EPERM mkdir EPERM "
ok "rm -r of a message with attachments and parts" rm -r "$M"
is "expunged" "$(mt message list alice INBOX | cut -f1 | tr '\n' ' ')" "2 3 "
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"
done_testing
