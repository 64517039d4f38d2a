/*
 * Fuzz target for export_return_path() (fs/export.h), which picks the mbox
 * envelope sender out of a message's header.  The input is the message;
 * the sender found must be short enough for a From_ line, hold no NUL,
 * and be accepted by the From_ line writer.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "mbox.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf sender = BUF_INIT, line = BUF_INIT;
	int fd = memfd_create("fuzz-export", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (write_full(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (export_return_path(fd, &sender) < 0)
		abort();
	if (sender.len > MBOX_SENDER_MAX ||
	    memchr(sender.data, '\0', sender.len) != NULL)
		abort();
	if (mbox_format_from_line(&line, sender.data, 0) < 0)
		abort();
	close(fd);
	buf_release(&sender);
	buf_release(&line);
	return 0;
}
