#ifndef MAILTREE_CMD_H
#define MAILTREE_CMD_H

/* One verb of the mailtree command.  run() returns a sysexits(3) code. */
struct cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

#endif
