# mailtreed's worker threads: connections spread over the workers (the
# least busy one gets the next), sessions on different workers see each
# other's changes and share \Recent, the per-address limit counts every
# worker, a reload leaves running sessions their configuration, and a
# stop ends every worker's sessions with BYE and exit status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
IC="python3 $(dirname "$0")/imap-interop.py"

PORT=$(free_port)
# write_conf WORKERS MAX_MESSAGE_SIZE [MORE GLOBAL LINES]
write_conf() {
	cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
workers = $1
max_message_size = $2
${3:-}
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
CONF
}
dlv() { mt deliver "$@" >/dev/null 2>&1; }
for i in 1 2 3; do printf 'Subject: m%s\n\nbody %s\n' $i $i | dlv alice; done

# workers WHAT: the worker of each "connect" line logged since the mark.
mark() { LOGMARK=$(wc -l <"$T_DIR/daemon.log"); }
workers_used() {
	tail -n +"$((LOGMARK + 1))" "$T_DIR/daemon.log" |
	    sed -n 's/.* connect listener=.* worker=\([0-9]*\)$/\1/p' | sort -u |
	    tr '\n' ' '
}

# hold N: N logged-in sessions stay open until stdin closes; prints
# "ready" once they are.  Each then says what CAPABILITY advertises as
# APPENDLIMIT and whether NOOP still works.
hold() {
	python3 -c '
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ss = []
def cmd(s, f, tag, c):
    s.sendall(("%s %s\r\n" % (tag, c)).encode())
    out = []
    while True:
        l = f.readline().decode(errors="replace").rstrip("\r\n")
        if not l:
            return out, "EOF"
        if l.startswith(tag + " "):
            return out, l[len(tag) + 1:]
        out.append(l)
for i in range(n):
    s = socket.create_connection((host, port), timeout=20)
    f = s.makefile("rb")
    f.readline()
    cmd(s, f, "a", "LOGIN alice x")
    ss.append((s, f))
print("ready", flush=True)
sys.stdin.read()
for s, f in ss:
    lines, res = cmd(s, f, "b", "CAPABILITY")
    lim = [w for l in lines for w in l.split() if w.startswith("APPENDLIMIT=")]
    print(" ".join(lim), cmd(s, f, "c", "NOOP")[1].split()[0], flush=True)
' 127.0.0.1 "$PORT" "$1"
}

write_conf 1 1000000
ok "mailtreed starts with workers = 1" start_daemon "$T_DIR/d.conf"
ok "and says so" grep -q "started, pid $DPID, 1 worker$" "$T_DIR/daemon.log"
mt folder create alice Recent1 >/dev/null
printf 'Subject: new\n\nfresh\n' | mt deliver -m Recent1 alice >/dev/null 2>&1
mark
ok "one worker: \\Recent goes to one session" \
    $IC 127.0.0.1 "$PORT" recent-once Recent1
is "every connection went to worker 0" "$(workers_used)" "0 "
ok "stops" stop_daemon

write_conf 3 1000000
ok "mailtreed starts with workers = 3" start_daemon "$T_DIR/d.conf"
ok "and says so" grep -q "started, pid $DPID, 3 workers$" "$T_DIR/daemon.log"
mark
ok "sessions on different workers see each other's STORE, APPEND, EXPUNGE, MOVE, COPY in IDLE and at NOOP" \
    $IC 127.0.0.1 "$PORT" two-sessions
is "those three sessions were spread over the three workers" \
    "$(workers_used)" "0 1 2 "
mt folder create alice Recent >/dev/null
printf 'Subject: new\n\nfresh\n' | mt deliver -m Recent alice >/dev/null 2>&1
mark
ok "\\Recent goes to one session of the process, whichever worker serves it" \
    $IC 127.0.0.1 "$PORT" recent-once Recent
is "those sessions were spread over the three workers" \
    "$(workers_used)" "0 1 2 "

# Another Maildir program renaming files (flag changes) while FETCH
# goes through a folder batch by batch: a batch's open then syncs the
# folder, and each response must still be its own message's.
mt folder create alice Renamed >/dev/null
for i in $(seq 1 150); do
	printf 'Subject: r%s\n\nbody %s\n' "$i" "$i" | dlv -m Renamed alice
done
ok "FETCH while another program renames the files: right UIDs and bytes" \
    $IC 127.0.0.1 "$PORT" fetch-renamed Renamed \
    "$MAILTREE_STORE/mail/alice/.Renamed"

# A reload: sessions keep the configuration they started under (here the
# message size limit, advertised as APPENDLIMIT); new ones get the new.
rm -f "$T_DIR/ctl" "$T_DIR/held"
mkfifo "$T_DIR/ctl"
hold 3 <"$T_DIR/ctl" >"$T_DIR/held" 2>&1 &
HPID=$!
exec 3>"$T_DIR/ctl"
wait_for 10 grep -qx ready "$T_DIR/held"
write_conf 3 2000000
kill -HUP "$DPID"
wait_for 5 grep -q "configuration and certificates reloaded" "$T_DIR/daemon.log"
ok "reloaded" grep -q "configuration and certificates reloaded" "$T_DIR/daemon.log"
new=$(python3 -c '
import imaplib, sys
m = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
m.login("alice", "x")
caps = m.capability()[1][0].decode().split()
print(" ".join(c for c in caps if c.startswith("APPENDLIMIT=")))
' 127.0.0.1 "$PORT")
is "a session started after the reload gets the new limit" "$new" "APPENDLIMIT=2000000"
exec 3>&-
wait "$HPID"
is "the three sessions from before keep theirs, and work" \
    "$(grep -v ready "$T_DIR/held" | sort -u)" "APPENDLIMIT=1000000 OK"
ok "stops" stop_daemon

# The per-address limit counts the connections of every worker; loopback
# counts as remote here so that the limit applies to it.
write_conf 3 1000000 "trust_loopback = no
max_connections_per_ip = 4"
ok "mailtreed starts with max_connections_per_ip = 4 and 3 workers" \
    start_daemon "$T_DIR/d.conf"
out=$(python3 -c '
import socket, sys
ss, out = [], ""
for i in range(6):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    ss.append(s)
    try:
        out += "+" if s.recv(100).startswith(b"* OK") else "-"
    except OSError:
        out += "-"
print(out)' 127.0.0.1 "$PORT" 2>&1)
is "four connections over three workers are greeted, the fifth and sixth refused" \
    "$out" "++++--"

# A stop: every worker's sessions get BYE, then the daemon exits 0.
rm -f "$T_DIR/byes"
python3 -c '
import socket, sys, time
ss = []
for i in range(3):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"a LOGIN alice x\r\n")
    while not f.readline().startswith(b"a "):
        pass
    ss.append(f)
print("ready", flush=True)
for f in ss:
    print(f.readline().decode().split(" ")[1], flush=True)
' 127.0.0.1 "$PORT" >"$T_DIR/byes" 2>&1 &
BPID=$!
wait_for 10 grep -qx ready "$T_DIR/byes"
mark
stop_daemon
rc=$?
wait "$BPID"
is "SIGTERM with sessions on three workers: each says BYE" \
    "$(grep -vx ready "$T_DIR/byes" | tr '\n' ' ')" "BYE BYE BYE "
is "and the daemon exits 0" "$rc" 0
ok "having logged that it stopped" grep -q "mailtreed: stopped" "$T_DIR/daemon.log"

done_testing
