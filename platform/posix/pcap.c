/*
 * Frame capture to classic pcap files; see fata_pcap_start() in
 * fata/posix.h.
 *
 * The file is the libpcap format: a 24-byte global header (magic
 * 0xa1b2c3d4 written in host byte order, version 2.4, snaplen 65535,
 * LINKTYPE_ETHERNET), then per frame a 16-byte record header (seconds,
 * microseconds, captured length, original length) and the captured bytes.
 * Frames longer than the snaplen are cut to it. The writer sits on the
 * netif's capture hook, so it sees frames in both directions.
 */
#include <stdint.h>
#include <stdio.h>

#include <fata/alloc.h>
#include <fata/clock.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_SNAPLEN 65535u
#define PCAP_LINKTYPE_ETHERNET 1u

struct pcap_global_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

_Static_assert(sizeof(struct pcap_global_header) == 24, "pcap global header is 24 bytes");
_Static_assert(sizeof(struct pcap_record_header) == 16, "pcap record header is 16 bytes");

struct pcap_writer {
	FILE *file;
	struct fata_netif *nif;
	/* Records that failed to write; only the first failure is logged. */
	uint64_t write_errors;
};

/*
 * Returns the record time in ns: the wall clock, except on a virtual loop,
 * where the loop's own time keeps a simulated capture reproducible.
 */
static uint64_t pcap_timestamp(const struct pcap_writer *w, uint64_t loop_ns)
{
	int64_t wall;

	if (fata_loop_is_virtual(w->nif->loop))
		return loop_ns;
	wall = fata_clock_wall_ns();
	return wall > 0 ? (uint64_t)wall : 0;
}

static void pcap_note_error(struct pcap_writer *w)
{
	if (w->write_errors++ == 0)
		fata_log(FATA_LOG_ERROR, "pcap", "writing the capture of %s failed; later frames may be missing",
				w->nif->name);
}

static void pcap_capture(void *ctx, const struct fata_chain *frame, int outgoing, uint64_t time_ns)
{
	struct pcap_writer *w = ctx;
	struct pcap_record_header rec;
	uint64_t ts = pcap_timestamp(w, time_ns);
	uint32_t left;

	(void)outgoing;

	left = frame->len < PCAP_SNAPLEN ? frame->len : PCAP_SNAPLEN;
	rec.ts_sec = (uint32_t)(ts / 1000000000u);
	rec.ts_usec = (uint32_t)(ts % 1000000000u / 1000u);
	rec.incl_len = left;
	rec.orig_len = frame->len;
	if (fwrite(&rec, sizeof rec, 1, w->file) != 1) {
		pcap_note_error(w);
		return;
	}

	for (uint32_t i = 0; i < frame->count && left > 0; i++) {
		uint32_t n = frame->views[i].len < left ? frame->views[i].len : left;

		if (fwrite(fata_view_data(frame->views[i]), 1, n, w->file) != n) {
			pcap_note_error(w);
			return;
		}
		left -= n;
	}
}

/* Flushes and closes the file, logging when any record or the flush failed. */
static void pcap_writer_close(struct pcap_writer *w)
{
	int failed = w->write_errors > 0;

	if (fclose(w->file) != 0)
		failed = 1;
	if (failed)
		fata_log(FATA_LOG_ERROR, "pcap", "capture of %s is incomplete", w->nif->name);
	fata_free(w);
}

int fata_pcap_start(struct fata_netif *nif, const char *path)
{
	struct pcap_global_header header = {
		.magic = PCAP_MAGIC,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.thiszone = 0,
		.sigfigs = 0,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct pcap_writer *w;

	if (!nif || !path)
		return FATA_EINVAL;

	w = fata_calloc(1, sizeof *w);
	if (!w)
		return FATA_ENOMEM;
	w->nif = nif;
	w->file = fopen(path, "wbe");
	if (!w->file) {
		fata_log(FATA_LOG_ERROR, "pcap", "cannot create %s", path);
		fata_free(w);
		return FATA_EIO;
	}
	if (fwrite(&header, sizeof header, 1, w->file) != 1) {
		fata_log(FATA_LOG_ERROR, "pcap", "cannot write the header of %s", path);
		fclose(w->file);
		fata_free(w);
		return FATA_EIO;
	}

	fata_pcap_stop(nif);
	fata_netif_set_capture(nif, pcap_capture, w);
	return FATA_OK;
}

void fata_pcap_stop(struct fata_netif *nif)
{
	struct pcap_writer *w;

	if (!nif || nif->capture != pcap_capture)
		return;
	w = nif->capture_ctx;
	fata_netif_set_capture(nif, NULL, NULL);
	pcap_writer_close(w);
}
