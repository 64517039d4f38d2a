/*
 * prop-dump FILE...: prints, for each message file, one line
 *
 *   FILE <TAB> subject <TAB> from
 *
 * with the values the FUSE view's subject and from files show, computed
 * from the file itself (message_summary_read_fd) by the view's own
 * rendering (view_header_render), so tests/cli/fuse-corpus.sh can check
 * the mount against the library.  A missing field prints as "-" (the
 * view then shows no file); a value that is itself "-" cannot occur in
 * the corpus the test reads, and would only make the check stricter.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "message-summary.h"
#include "util.h"
#include "../../fs/view/view.h"

static void field(int prop, const char *raw, struct buf *out)
{
	buf_putc(out, '\t');
	if (raw == NULL) {
		buf_putc(out, '-');
		return;
	}
	view_header_render(prop, raw, strlen(raw), out);
}

int main(int argc, char **argv)
{
	struct buf line = BUF_INIT;
	int i, fd, status = 0;

	for (i = 1; i < argc; i++) {
		struct message_summary sum;

		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || message_summary_read_fd(fd, 0, &sum) < 0) {
			perror(argv[i]);
			status = 1;
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		buf_reset(&line);
		buf_puts(&line, argv[i]);
		field(VP_SUBJECT, sum.subject, &line);
		field(VP_FROM, sum.from, &line);
		buf_putc(&line, '\n');
		fwrite(line.data, 1, line.len, stdout);
		message_summary_release(&sum);
	}
	buf_release(&line);
	return status;
}
