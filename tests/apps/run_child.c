#include "run_child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Reads the whole file behind `fd` from its start into `buf`. */
static size_t read_back(int fd, char *buf, size_t size)
{
	size_t len = 0;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		buf[0] = '\0';
		return 0;
	}
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

static int temp_file(void)
{
	char path[] = "/tmp/fata-test-apps.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Waits for `pid` up to `timeout_s` seconds; kills it after that. */
static int wait_with_timeout(pid_t pid, unsigned timeout_s, int *status)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };

	for (unsigned long waited_ms = 0; waited_ms < timeout_s * 1000ul; waited_ms += 10) {
		pid_t done = waitpid(pid, status, WNOHANG);

		if (done == pid)
			return 0;
		if (done < 0 && errno != EINTR)
			return -1;
		nanosleep(&step, NULL);
	}

	fprintf(stderr, "run_child: child %d still running after %u s, killing it\n", (int)pid,
			timeout_s);
	kill(pid, SIGKILL);
	return waitpid(pid, status, 0) == pid ? 0 : -1;
}

int run_child(int (*fn)(void *arg), void *arg, unsigned timeout_s, struct child_result *result)
{
	memset(result, 0, sizeof(*result));

	int out_fd = temp_file();
	int err_fd = temp_file();
	if (out_fd < 0 || err_fd < 0)
		return -1;

	fflush(stdout);
	fflush(stderr);

	pid_t pid = fork();
	if (pid < 0)
		return -1;

	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		int code = fn(arg);
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}

	int status = 0;
	int rc = wait_with_timeout(pid, timeout_s, &status);

	result->out_len = read_back(out_fd, result->out, sizeof(result->out));
	result->err_len = read_back(err_fd, result->err, sizeof(result->err));
	close(out_fd);
	close(err_fd);
	if (rc < 0)
		return -1;

	if (WIFEXITED(status)) {
		result->exit_status = WEXITSTATUS(status);
	} else {
		result->exit_status = -1;
		result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return 0;
}

size_t count_lines(const char *text)
{
	size_t lines = 0;

	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}
