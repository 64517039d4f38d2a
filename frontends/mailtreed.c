/*
 * mailtreed: the protocol daemon.  The main thread accepts on every
 * listener of the configuration and hands each connection to one of the
 * worker threads' libuv loops (server.h); see mailtreed(8) and
 * mailtreed.conf(5).
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "buf.h"
#include "config.h"
#include "folder.h"
#include "passwd-cache.h"
#include "queue/runner.h"
#include "save-group.h"
#include "server.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/mailtree/mailtreed.conf"

static void usage(void)
{
	fprintf(stderr, "usage: mailtreed [-f] [-c CONFIG]\n"
		"  -c CONFIG  configuration file (default %s)\n"
		"  -f         stay in the foreground and log to standard error\n",
		DEFAULT_CONFIG);
	exit(64);
}

static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		log_error("unknown user %s", user);
		return -ENOENT;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("cannot become user %s: %s", user, strerror(errno));
		return -errno;
	}
	if (setuid(0) == 0)
		fatal("still root after dropping privileges");
	return 0;
}

/*
 * Started as root without `user`, the daemon works as the owner of the
 * store directory when that is not root, as the mailtree command does:
 * every file it makes must stay the owner's, and a network daemon has
 * no use for root once its listeners are bound.  A store that belongs
 * to root is served as root.
 */
static int become_store_owner(const char *store)
{
	uid_t uid;
	int ret = become_owner(store, &uid);

	if (ret < 0)
		log_error("cannot become the owner of %s (uid %u): %s", store,
			  (unsigned)uid, strerror(-ret));
	else if (uid != 0)
		log_info("working as uid %u, the owner of %s", (unsigned)uid,
			 store);
	return ret;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static void write_pid_file(const char *path)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

	if (write_file_atomic(path, line, (size_t)n, 0644) < 0)
		log_warn("cannot write %s", path);
}

/* Each recipient of an LMTP transaction holds a file open: allow many. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	struct buf err = BUF_INIT;
	struct config cfg;
	struct server srv;
	char *pid_file;
	bool foreground = false;
	int c, ret;

	log_set_progname("mailtreed");
	/* Dates are compared in the local zone on pool threads too
	 * (localtime_r() does not read TZ itself). */
	tzset();
	while ((c = getopt(argc, argv, "c:fh")) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	config_init(&cfg);
	if (config_load(&cfg, config_path, &err) < 0) {
		log_error("%s", err.data);
		config_release(&cfg);
		buf_release(&err);
		return 78;	/* EX_CONFIG */
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	/* Computed once, before threads save messages in parallel. */
	(void)maildir_hostname();
	/* Folders live long here: each keeps its lock's inode, and writes
	 * its index anew for new mail every few seconds, not each time. */
	folder_keep_lock_inodes(true);
	folder_keep_files(true);
	folder_defer_index_rewrites(true);
	if (server_init(&srv, uv_default_loop(), &cfg, &err) < 0 ||
	    server_listen(&srv, &err) < 0) {
		log_error("%s", err.data);
		server_release(&srv);
		buf_release(&err);
		return 78;
	}
	if (getuid() == 0 && (srv.conf->cfg.user != NULL ?
			      drop_privileges(srv.conf->cfg.user) :
			      become_store_owner(srv.conf->cfg.store)) < 0)
		return 71;	/* EX_OSERR */
	if (!foreground) {
		log_use_syslog();
		if ((ret = daemonize()) < 0) {
			log_error("cannot daemonize: %s", strerror(-ret));
			return 71;
		}
		/* The forked child must re-create the loop's epoll state. */
		uv_loop_fork(srv.loop);
	}
	pid_file = srv.conf->cfg.pid_file != NULL ?
		   xstrdup(srv.conf->cfg.pid_file) : NULL;
	if (pid_file != NULL)
		write_pid_file(pid_file);
	/* Threads after the fork: a thread does not survive it. */
	if (queue_runner_start(&srv, &err) < 0) {
		log_error("%s", err.data);
		server_release(&srv);
		buf_release(&err);
		free(pid_file);
		return 78;
	}
	server_start_workers(&srv);
	server_signals(&srv);
	log_info("started, pid %ld, %zu worker%s", (long)getpid(),
		 srv.worker_count, srv.worker_count == 1 ? "" : "s");
	uv_run(srv.loop, UV_RUN_DEFAULT);
	server_release(&srv);	/* joins the workers */
	log_info("stopped");
	if (pid_file != NULL)
		unlink(pid_file);
	free(pid_file);
	save_group_cleanup();	/* the uidlists kept by LMTP and IMAP saves */
	passwd_cache_cleanup();
	uv_loop_close(uv_default_loop());
	buf_release(&err);
	return 0;
}
