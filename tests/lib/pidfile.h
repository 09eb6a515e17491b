/* SPDX-License-Identifier: MIT */
/*
 * For the LD_PRELOAD helpers of the tests (tests/apply/faultinject.c,
 * tests/guests/killafter.c): the pid in a pid file, and killing a process
 * (the simulated host's libvirtd) until it is gone, so that the next call
 * meets a dead connection at a known point. Header-only: each helper is
 * built by its test with one cc command.
 */
#pragma once

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

/* The pid in file path; 0 if path is NULL, unreadable or holds no number. */
static inline long pidfile_read(const char *path)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	long pid = 0;

	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* Gone, or a zombie: its sockets are closed either way. */
static inline int pid_exited(long pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 1;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z' || state == 'X';
}

/* SIGKILL pid (if > 0) and wait up to 10 s until it has exited. */
static inline void pid_kill_wait(long pid)
{
	if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
		for (int i = 0; i < 400 && !pid_exited(pid); i++)
			usleep(25000);
}
