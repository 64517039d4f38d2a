#ifndef MAILTREE_PASSWD_CACHE_H
#define MAILTREE_PASSWD_CACHE_H

/*
 * A parsed passwd file shared by the threads of a long-running process:
 * mailtreed looks a user up for every LMTP recipient and every login, and
 * parsing a file of thousands of users each time cost more than the rest
 * of a short POP3 session.
 *
 * The file is opened and fstat()ed on every call and parsed again only
 * when it is another file (inode, device) or its size, mtime or ctime
 * changed, as Dovecot's passwd-file does; passwd_add() and editors
 * replace it by rename(), which always gives a new inode.  A database
 * handed out stays valid, unchanged, until released, even when the file
 * has been re-read meanwhile.
 *
 * Functions return 0 or a negative errno (passwd_open()'s).
 */

struct passwd_db;

int passwd_cache_open(const char *path, struct passwd_db **db_r);
/* Gives back a database from passwd_cache_open(); sets *db NULL. */
void passwd_cache_release(struct passwd_db **db);
/* Frees the cached databases; none may be in use. */
void passwd_cache_cleanup(void);

#endif
