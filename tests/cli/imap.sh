# IMAP conformance against mailtreed on a loopback port: raw conversations
# (exact bytes, UIDs and response codes) and imaplib for every command and
# extension the CAPABILITY advertises, checked against the RFC texts, and
# the bad input of the IMAP issue: a tagged BAD/NO and the session goes on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lmtp-setup"
IC="python3 $(dirname "$0")/imap-client.py"

PORT=$(free_port)
cat >"$T_DIR/d.conf" <<CONF
store = $MAILTREE_STORE
max_bad_commands = 1000
auth_fail_delay = 10
max_message_size = 100000
[listener imap]
protocol = imap
address = 127.0.0.1
port = $PORT
tls = none
CONF
ok "mailtreed starts with an imap listener" start_daemon "$T_DIR/d.conf"
ic() { $IC 127.0.0.1 "$PORT" "$@"; }

ok "greeting, CAPABILITY, LOGIN, AUTHENTICATE/SASL-IR, ID, NAMESPACE, ENABLE, LOGOUT" \
    ic caps
ok "SELECT/EXAMINE responses, CHECK, CLOSE and UNSELECT, EXPUNGE numbering, UID EXPUNGE" \
    ic select
ok "FETCH: ENVELOPE, BODYSTRUCTURE, sections, partials, BINARY, macros, \\Seen and .PEEK" \
    ic fetch
ok "FETCH of small and large messages, together and apart: the same bytes" \
    ic fetchmix
ok "SEARCH: every key, CHARSET UTF-8 on decoded headers and bodies, literals" \
    ic search
ok "ESEARCH return options and SEARCHRES \$" ic esearch
ok "STORE: +/-FLAGS, .SILENT, keywords, UID STORE, read-only" ic store
ok "CONDSTORE: HIGHESTMODSEQ, MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE/[MODIFIED]" \
    ic condstore
ok "QRESYNC: SELECT with VANISHED (EARLIER), VANISHED for EXPUNGE" ic qresync
ok "COPY and MOVE with COPYUID, UID variants, [TRYCREATE]" ic copymove
ok "APPEND/MULTIAPPEND, APPENDUID, LITERAL+, literal8, [TRYCREATE], [TOOBIG]" \
    ic append
is "APPENDs leave nothing in tmp/" "$(tmpcount alice)" 0
ok "CREATE/DELETE/RENAME (INBOX, children), modified UTF-7, refused names" \
    ic mailbox
ok "LIST/LSUB patterns, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, CHILDREN" \
    ic list
ok "UTF8=ACCEPT: UTF-8 names after ENABLE, APPEND UTF8 (literal8)" ic utf8
ok "STATUS items" ic status
ok "untagged updates from another session, never EXPUNGE during FETCH/STORE/SEARCH" \
    ic updates
ok "SORT and THREAD (REFERENCES, ORDEREDSUBJECT)" ic sortthread
ok "synchronizing literals and LITERAL+ in any argument" ic literals
ok "SORT casemap, ENVELOPE route, HIGHESTMODSEQ on enable, ESEARCH MODSEQ, DELETE keeps subscription" \
    ic edges
ok "bad input: unbalanced lists/quotes, huge literals, deep sections, wrong state" \
    ic badinput
is "no folder was made outside alice's mailbox" \
    "$(ls "$MAILTREE_STORE/mail")" "alice
bob"
is "bob's mailbox has none of alice's folders" \
    "$(ls -a "$MAILTREE_STORE/mail/bob" | grep -c '^\.\(Mb\|Fetch\|Src\)$')" 0
is "alice's mailbox has none of bob's" \
    "$(ls -a "$MAILTREE_STORE/mail/alice" | grep -c '^\.Lst')" 0
ok "mailtreed stops cleanly" stop_daemon
is "no crash or sanitizer report in the log" \
    "$(grep -ci 'fatal\|sanitizer\|runtime error' "$T_DIR/daemon.log")" 0
done_testing
