# The SpamAssassin corpus through the mount: every message.eml is
# byte-equal to its backing file, and every subject and from file shows
# what the library's own rendering gives for that file (prop-dump, which
# calls the view's view_header_render()).  Also sizes and body.txt of
# every message can be read.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuse-lib.inc"
fuse_usable || { done_testing; exit; }
SA=${MAILTREE_CORPUS:+$MAILTREE_CORPUS/realistic/spamassassin}
if [ -z "$SA" ] || [ ! -d "$SA" ]; then
	skip "no corpus (MAILTREE_CORPUS)"
	done_testing; exit
fi
PROPDUMP=$(dirname "$MAILTREE")/tests/prop-dump
DIRS=${FUSE_CORPUS_DIRS:-easy_ham easy_ham_2 hard_ham spam spam_2}

mt init >/dev/null && mt user add -p x alice >/dev/null
total=0
for d in $DIRS; do
	ok "import $d" mt import -t files -m "$d" alice "$SA/$d"
	total=$((total + $(find "$SA/$d" -type f | wc -l)))
done
ok "mount" fuse_mount -o user=alice
is "find sees one message.eml per imported file" \
	"$(find "$MNT" -name message.eml | wc -l)" "$total"

# Backing file of each UID, from dovecot-uidlist and cur/ + new/.
python3 - "$MAILTREE_STORE/mail/alice" "$MNT" $DIRS >"$T_DIR/files" 2>"$T_DIR/py.err" <<'PY'
import os, sys
root, mnt, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
for d in dirs:
    fdir = os.path.join(root, "." + d)
    names = {}
    for sub in ("cur", "new"):
        for n in os.listdir(os.path.join(fdir, sub)):
            names[n.split(":", 1)[0]] = os.path.join(fdir, sub, n)
    with open(os.path.join(fdir, "dovecot-uidlist")) as f:
        next(f)
        for line in f:
            uid, rest = line.split(" ", 1)
            base = rest.rstrip("\n").split(":", 1)[1]
            print(f"{mnt}/{d}/{uid}\t{names[base]}")
PY
is "every UID has its backing file" "$(wc -l <"$T_DIR/files")" "$total"
# Compared in one process: a cmp per message would take most of the time.
python3 - "$T_DIR/files" >"$T_DIR/cmp.bad" <<'PY'
import os, sys
bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d, f = line.rstrip("\n").split("\t")
    got = open(d + "/message.eml", "rb").read()
    if got != open(f, "rb").read() or len(got) != os.stat(d + "/message.eml").st_size:
        bad += 1
        if bad <= 5:
            print("# differs:", d)
print(bad)
PY
is "every message.eml is cmp-equal to its backing file, size included" "$(tail -n 1 "$T_DIR/cmp.bad")" 0
sed '$d' "$T_DIR/cmp.bad"

cut -f2 "$T_DIR/files" | xargs -d '\n' "$PROPDUMP" >"$T_DIR/props"
is "prop-dump read every file" "$(wc -l <"$T_DIR/props")" "$total"
python3 - "$T_DIR/files" "$T_DIR/props" >"$T_DIR/prop.bad" <<'PY'
import sys
dirs = {}
for line in open(sys.argv[1], encoding="utf-8"):
    d, f = line.rstrip("\n").split("\t")
    dirs[f] = d
bad = 0
for line in open(sys.argv[2], encoding="utf-8", errors="surrogateescape"):
    f, subject, frm = line.rstrip("\n").split("\t")
    for name, want in (("subject", subject), ("from", frm)):
        try:
            got = open(f"{dirs[f]}/{name}", encoding="utf-8",
                       errors="surrogateescape").read()
            assert got.endswith("\n")
            got = got[:-1]
        except FileNotFoundError:
            got = "-"
        if got != want:
            bad += 1
            if bad <= 5:
                print(f"# {dirs[f]}/{name}: got {got!r} want {want!r}")
print(bad)
PY
is "every subject and from file matches the library" "$(tail -n 1 "$T_DIR/prop.bad")" 0
sed '$d' "$T_DIR/prop.bad"
is "body.txt of every message: read size equals stat size" "$(python3 - "$T_DIR/files" <<'PY'
import os, sys
bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d = line.split("\t")[0]
    if len(open(d + "/body.txt", "rb").read()) != os.stat(d + "/body.txt").st_size:
        bad += 1
print(bad)
PY
)" 0
ok "the mount is still alive" kill -0 "$MTFS_PID"
fuse_unmount
is "mailtree-fs exits 0" "$MTFS_STATUS" 0
ok "no sanitizer report" sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/mtfs.err'"
done_testing
