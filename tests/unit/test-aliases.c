/* The store's aliases file: local parts, whole addresses, case, and
 * malformed lines reported with their number. */

#include <errno.h>
#include <string.h>

#include "aliases.h"
#include "buf.h"
#include "../tap.h"

static const char file[] =
	"# the store's aliases\n"
	"\n"
	"postmaster: alice\n"
	"sales: carol\n"
	"Sales@Example.org :  bob  \r\n"
	"abuse:alice\n";

static void check(const char *addr, int want_ret, const char *want_user)
{
	struct buf user = BUF_INIT;
	int ret = aliases_lookup_data(file, sizeof(file) - 1, addr, &user, NULL);

	is_int(ret, want_ret, "%s: found", addr);
	if (want_user != NULL)
		is_str(user.data, want_user, "%s: user", addr);
	buf_release(&user);
}

int main(void)
{
	struct buf user = BUF_INIT;
	unsigned int line = 0;
	size_t i;

	check("postmaster@anything.example", 1, "alice");
	check("POSTMASTER@x", 1, "alice");
	check("postmaster", 1, "alice");
	check("sales@example.org", 1, "bob");
	check("sales@other.example", 1, "carol");
	check("abuse@x", 1, "alice");
	check("nobody@x", 0, NULL);
	is_int(aliases_lookup_data("a: b\nbroken line\n", 17, "a@x", &user, &line),
	       -EINVAL, "a line without ':' is an error");
	is_int(line, 2, "on line 2");
	is_int(aliases_lookup_data("list: a, b\n", 11, "x@y", &user, &line),
	       -EINVAL, "several users for one alias are refused");
	/* Fed as it would be cut anywhere, the lookup never reads past the
	 * end (the fuzz target checks the same). */
	for (i = 0; i < sizeof(file) - 1; i++)
		aliases_lookup_data(file, i, "sales@example.org", &user, NULL);
	ok(1, "every prefix of the file parses without error");
	buf_release(&user);
	return done_testing();
}
