/*
 * The client of bench/tls.sh, on OpenSSL's libssl, so that Fata's TLS
 * server and openssl s_server are measured by the same code:
 *
 *   tls-bench-client handshakes HOST PORT SECONDS [--cipher LIST]
 *       Full handshakes, one connection at a time, for SECONDS seconds.
 *       Each connection completes the handshake, sends close_notify and
 *       closes; no session is ever resumed.
 *   tls-bench-client bulk HOST PORT PATH BYTES [--cipher LIST]
 *       One connection: sends "GET PATH HTTP/1.0" and reads the response
 *       to the end, which must carry a body of exactly BYTES bytes. The
 *       time runs from the request to the last byte.
 *
 * Both print one line of "key value" pairs on standard output:
 *   handshakes N seconds S per_second R suite NAME group NAME
 *   bytes N seconds S mb_per_second R suite NAME group NAME
 *
 * The client offers TLS 1.2 only, with the OpenSSL cipher list given
 * (default ECDHE-ECDSA-AES128-GCM-SHA256). It does not verify the server's
 * certificate, because verification is the same client work for every
 * server and would only add noise. Any failure exits 1 with a message on
 * standard error.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define DEFAULT_CIPHER "ECDHE-ECDSA-AES128-GCM-SHA256"
#define READ_CHUNK (64 * 1024)

struct session_facts {
	char suite[64];
	char group[32];
};

static void die(const char *message)
{
	fprintf(stderr, "tls-bench-client: %s\n", message);
	exit(1);
}

/* Prints `message` and OpenSSL's error queue, then exits 1. */
static void die_ssl(const char *message)
{
	fprintf(stderr, "tls-bench-client: %s\n", message);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_tcp(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *list;
	int one = 1;
	int fd = -1;
	int rc = getaddrinfo(host, port, &hints, &list);

	if (rc != 0) {
		fprintf(stderr, "tls-bench-client: cannot resolve %s: %s\n", host, gai_strerror(rc));
		exit(1);
	}
	for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd < 0) {
		fprintf(stderr, "tls-bench-client: cannot connect to %s port %s: %s\n", host, port,
				strerror(errno));
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static SSL_CTX *make_context(const char *cipher)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		die_ssl("SSL_CTX_new failed");
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
			!SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))
		die_ssl("cannot restrict the client to TLS 1.2");
	if (!SSL_CTX_set_cipher_list(ctx, cipher))
		die_ssl("invalid --cipher list");

	/* Every handshake is a full one: no client session cache, no tickets. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

/* Connects and completes a handshake; returns the connection, whose fd the caller closes. */
static SSL *handshake(SSL_CTX *ctx, const char *host, const char *port, int *fd)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		die_ssl("SSL_new failed");
	*fd = connect_tcp(host, port);
	SSL_set_fd(ssl, *fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1)
		die_ssl("the TLS handshake failed");
	return ssl;
}

static void record_facts(SSL *ssl, struct session_facts *facts)
{
	int nid = SSL_get_negotiated_group(ssl);
	const char *group = nid != 0 ? OBJ_nid2sn(nid) : NULL;

	snprintf(facts->suite, sizeof(facts->suite), "%s", SSL_get_cipher_name(ssl));
	snprintf(facts->group, sizeof(facts->group), "%s", group ? group : "unknown");
}

static void close_connection(SSL *ssl, int fd)
{
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
}

static void run_handshakes(SSL_CTX *ctx, const char *host, const char *port, double seconds)
{
	struct session_facts facts = { "", "" };
	unsigned long count = 0;
	double start = now_seconds();
	double elapsed = 0;

	while (elapsed < seconds) {
		int fd;
		SSL *ssl = handshake(ctx, host, port, &fd);

		if (count == 0)
			record_facts(ssl, &facts);
		close_connection(ssl, fd);
		count++;
		elapsed = now_seconds() - start;
	}
	printf("handshakes %lu seconds %.3f per_second %.1f suite %s group %s\n", count, elapsed,
			(double)count / elapsed, facts.suite, facts.group);
}

/* Returns the length of the response head ending in an empty line, or 0 while incomplete. */
static size_t head_length(const char *data, size_t len)
{
	for (size_t i = 3; i < len; i++) {
		if (memcmp(data + i - 3, "\r\n\r\n", 4) == 0)
			return i + 1;
	}
	return 0;
}

/*
 * Reads the response to the end and returns the body's length. The head
 * must arrive within the first READ_CHUNK bytes, which every server here
 * keeps to. Once the head is in, an end without close_notify also ends the
 * body, because s_server -WWW may close that way. The caller's length
 * check catches a body cut short.
 */
static unsigned long long read_response(SSL *ssl)
{
	static char buf[READ_CHUNK];
	unsigned long long body = 0;
	size_t head_seen = 0;
	size_t head = 0;

	for (;;) {
		char *into = head != 0 ? buf : buf + head_seen;
		int room = (int)(head != 0 ? sizeof(buf) : sizeof(buf) - head_seen);
		int n = SSL_read(ssl, into, room);

		if (n <= 0) {
			int err = SSL_get_error(ssl, n);

			if (err == SSL_ERROR_ZERO_RETURN || (head != 0 && err == SSL_ERROR_SYSCALL))
				break;
			die_ssl("reading the response failed");
		}
		if (head != 0) {
			body += (unsigned long long)n;
			continue;
		}

		head_seen += (size_t)n;
		head = head_length(buf, head_seen);
		if (head != 0) {
			if (strncmp(buf, "HTTP/1.", 7) != 0 || strncmp(buf + 8, " 200 ", 5) != 0)
				die("the response is not HTTP 200");
			body += head_seen - head;
		} else if (head_seen == sizeof(buf)) {
			die("the response head is longer than 64 KiB");
		}
	}
	if (head == 0)
		die("the server closed before the end of the response head");
	return body;
}

static void run_bulk(SSL_CTX *ctx, const char *host, const char *port, const char *path,
		unsigned long long expected)
{
	struct session_facts facts;
	char request[1024];
	int fd;
	SSL *ssl = handshake(ctx, host, port, &fd);
	int len = snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n",
			path);

	if (len < 0 || (size_t)len >= sizeof(request))
		die("the request path is too long");
	record_facts(ssl, &facts);

	double start = now_seconds();

	if (SSL_write(ssl, request, len) != len)
		die_ssl("sending the request failed");

	unsigned long long body = read_response(ssl);
	double elapsed = now_seconds() - start;

	close_connection(ssl, fd);
	if (body != expected) {
		fprintf(stderr, "tls-bench-client: got %llu body bytes, expected %llu\n", body,
				expected);
		exit(1);
	}
	printf("bytes %llu seconds %.4f mb_per_second %.1f suite %s group %s\n", body, elapsed,
			(double)body / elapsed / 1e6, facts.suite, facts.group);
}

static void usage(void)
{
	die("usage: tls-bench-client handshakes HOST PORT SECONDS [--cipher LIST]\n"
			"       tls-bench-client bulk HOST PORT PATH BYTES [--cipher LIST]");
}

/* Takes "--cipher LIST" from the end of argv; returns the remaining argument count. */
static int take_cipher(int argc, char **argv, const char **cipher)
{
	*cipher = DEFAULT_CIPHER;
	if (argc >= 3 && strcmp(argv[argc - 2], "--cipher") == 0) {
		*cipher = argv[argc - 1];
		return argc - 2;
	}
	return argc;
}

int main(int argc, char **argv)
{
	const char *cipher;
	char *end;

	argc = take_cipher(argc, argv, &cipher);
	if (argc < 2)
		usage();

	SSL_CTX *ctx = make_context(cipher);

	if (strcmp(argv[1], "handshakes") == 0 && argc == 5) {
		double seconds = strtod(argv[4], &end);

		if (*end != '\0' || !(seconds > 0))
			usage();
		run_handshakes(ctx, argv[2], argv[3], seconds);
	} else if (strcmp(argv[1], "bulk") == 0 && argc == 6) {
		unsigned long long bytes = strtoull(argv[5], &end, 10);

		if (*end != '\0' || argv[5][0] == '\0')
			usage();
		run_bulk(ctx, argv[2], argv[3], argv[4], bytes);
	} else {
		usage();
	}
	SSL_CTX_free(ctx);
	return 0;
}
