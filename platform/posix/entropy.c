/* Randomness from getrandom(2); see fata/entropy.h. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/log.h>

int fata_entropy_fill(void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;

	/*
	 * getrandom() with no flags blocks until the kernel's pool is
	 * initialised, may return fewer bytes than asked for large requests,
	 * and may be interrupted by a signal; each case simply continues.
	 */
	while (done < len) {
		ssize_t n = getrandom(out + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fata_log(FATA_LOG_ERROR, "entropy", "getrandom failed: errno %d", n < 0 ? errno : 0);
			return FATA_EIO;
		}
		done += (size_t)n;
	}
	return FATA_OK;
}
