/*
 * Interoperability over host sockets on 127.0.0.1: the TLS client against
 * openssl s_server and gnutls-serv, the TLS server against openssl
 * s_client and gnutls-cli, and the refusals the client must make. Exits
 * with 77 when openssl or gnutls-bin is not installed.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bearssl.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>
#include <fata/tls.h>

#include "tls_test.h"

extern char **environ;

static const char *certs;

/* A peer program started for one test. */
struct peer {
	pid_t pid;
	char out_path[512];
};

/* Returns a TCP port on 127.0.0.1 that was free a moment ago. */
static uint16_t free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * Starts `argv` in the certificate folder with stdin from `input` (a string
 * written to a file; NULL for /dev/null) and stdout and stderr to a file.
 */
static void peer_start(struct peer *peer, char *const argv[], const char *input)
{
	posix_spawn_file_actions_t actions;
	char in_path[512];

	snprintf(in_path, sizeof in_path, "%s/peer-in.txt", certs);
	snprintf(peer->out_path, sizeof peer->out_path, "%s/peer-out.txt", certs);
	if (input) {
		FILE *file = fopen(in_path, "w");

		ck_assert_ptr_nonnull(file);
		fputs(input, file);
		fclose(file);
	}
	ck_assert_int_eq(posix_spawn_file_actions_init(&actions), 0);
	posix_spawn_file_actions_addopen(&actions, 0, input ? in_path : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, peer->out_path,
			O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&actions, 1, 2);
	posix_spawn_file_actions_addchdir_np(&actions, certs);
	ck_assert_int_eq(posix_spawnp(&peer->pid, argv[0], &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
}

/* Waits up to `seconds` for the peer to exit; kills it after that. Returns its status. */
static int peer_wait(struct peer *peer, int seconds)
{
	int status = 0;
	int i;

	for (i = 0; i < seconds * 10; i++) {
		if (waitpid(peer->pid, &status, WNOHANG) == peer->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(100000);
	}
	kill(peer->pid, SIGKILL);
	waitpid(peer->pid, &status, 0);
	return -1;
}

static void peer_kill(struct peer *peer)
{
	int status;

	kill(peer->pid, SIGKILL);
	waitpid(peer->pid, &status, 0);
}

/* Returns the peer's output so far (a static buffer). */
static const char *peer_output(const struct peer *peer)
{
	static char buf[16384];
	FILE *file = fopen(peer->out_path, "r");
	size_t n = 0;

	if (file) {
		n = fread(buf, 1, sizeof buf - 1, file);
		fclose(file);
	}
	buf[n] = '\0';
	return buf;
}

struct net {
	struct fata_loop *loop;
	struct fata_stack *stack;
};

static void net_open(struct net *net)
{
	net->loop = fata_loop_new();
	ck_assert_ptr_nonnull(net->loop);
	ck_assert_int_eq(fata_socket_stack_new(net->loop, &net->stack), 0);
}

static void net_close(struct net *net)
{
	fata_stack_destroy(net->stack);
	fata_loop_free(net->loop);
}

/* Connects to 127.0.0.1:port, retrying while the peer starts up. */
static struct fata_flow *net_connect(struct net *net, uint16_t port)
{
	struct fata_sockaddr to = { .ip = fata_ipv4(127, 0, 0, 1), .port = port };
	union fata_value value;
	int i;

	for (i = 0; i < 100; i++) {
		if (tls_test_run(net->loop, fata_stack_connect(net->stack, &to, NULL), &value) == 0)
			return value.ptr;
		usleep(100000);
	}
	ck_abort_msg("could not connect to 127.0.0.1:%u", port);
	return NULL;
}

static struct fata_tls_client_config *client_config(void)
{
	struct fata_tls_client_config *config = fata_tls_client_config_new();

	ck_assert_ptr_nonnull(config);
	ck_assert_int_eq(tls_test_add_trust(config, certs, "trust.pem"), 2);
	return config;
}

/* Connects a TLS client for `name` and returns the handshake status. */
static int client_connect(struct net *net, struct fata_tls_client_config *config,
		uint16_t port, const char *name, const struct fata_tls_session *session,
		struct fata_flow **tls)
{
	struct fata_flow *tcp = net_connect(net, port);

	ck_assert_int_eq(fata_tls_client_new(config, tcp, name, session, tls), 0);
	return tls_test_run(net->loop, fata_tls_handshake(*tls), NULL);
}

static void write_text(struct net *net, struct fata_flow *flow, const char *text)
{
	ck_assert_int_eq(tls_test_run(net->loop, fata_flow_write_copy(flow, text, strlen(text)),
			NULL), 0);
}

static void expect_text(struct net *net, struct fata_flow *flow, const char *text)
{
	size_t len = strlen(text);
	uint8_t buf[256] = { 0 };
	int status;

	ck_assert_uint_eq(tls_test_read_bytes(net->loop, flow, buf, len, &status), len);
	ck_assert_mem_eq(buf, text, len);
}

static void start_s_server(struct peer *peer, uint16_t port, const char *crt, const char *key,
		const char *extra1, const char *extra2)
{
	char accept[32];
	char *argv[] = { "openssl", "s_server", "-accept", accept, "-cert", (char *)crt,
		"-key", (char *)key, "-naccept", "2", "-rev", "-quiet",
		(char *)extra1, (char *)extra2, NULL };

	snprintf(accept, sizeof accept, "127.0.0.1:%u", port);
	peer_start(peer, argv, NULL);
}

START_TEST(client_against_s_server_rsa)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	struct fata_flow *tls;
	struct peer peer;
	struct net net;

	net_open(&net);
	start_s_server(&peer, port, "rsa.crt", "rsa.key", NULL, NULL);
	ck_assert_int_eq(client_connect(&net, config, port, "localhost", NULL, &tls), 0);
	ck_assert_int_eq(fata_tls_version(tls), FATA_TLS_VERSION_1_2);
	write_text(&net, tls, "hello\n");
	expect_text(&net, tls, "olleh\n");
	tls_test_close(net.loop, tls);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

START_TEST(client_against_s_server_ecdsa_alpn_resume)
{
	static const char *const protocols[] = { "h2", "http/1.1" };
	struct fata_tls_client_config *config = client_config();
	struct fata_tls_session *session = NULL;
	uint16_t port = free_port();
	struct fata_flow *tls;
	struct peer peer;
	struct net net;

	ck_assert_int_eq(fata_tls_client_config_set_alpn(config, protocols, 2), 0);
	net_open(&net);
	start_s_server(&peer, port, "ec2-chain.crt", "ec2.key", "-alpn", "http/1.1");
	ck_assert_int_eq(client_connect(&net, config, port, "localhost", NULL, &tls), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(tls), BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	ck_assert_str_eq(fata_tls_alpn(tls), "http/1.1");
	write_text(&net, tls, "abc\n");
	expect_text(&net, tls, "cba\n");
	ck_assert_int_eq(fata_tls_session_save(tls, &session), 0);
	tls_test_close(net.loop, tls);

	ck_assert_int_eq(client_connect(&net, config, port, "localhost", session, &tls), 0);
	ck_assert_int_eq(fata_tls_resumed(tls), 1);
	write_text(&net, tls, "xyz\n");
	expect_text(&net, tls, "zyx\n");
	tls_test_close(net.loop, tls);
	fata_tls_session_free(session);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

/* Runs the client against s_server with `crt` and expects `error` and `reason`. */
static void refused_by_client(const char *crt, const char *key, const char *name,
		const char *extra1, const char *extra2, int error, int reason)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	struct fata_flow *tls;
	struct peer peer;
	struct net net;
	int got = 0;

	net_open(&net);
	start_s_server(&peer, port, crt, key, extra1, extra2);
	ck_assert_int_eq(client_connect(&net, config, port, name, NULL, &tls), error);
	ck_assert_int_eq(fata_tls_last_error(tls, &got, NULL), error);
	ck_assert_int_eq(got, reason);
	tls_test_close(net.loop, tls);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}

START_TEST(client_refuses_wrong_hostname)
{
	refused_by_client("rsa.crt", "rsa.key", "wrong.example.test", NULL, NULL, FATA_EAUTH,
			BR_ERR_X509_BAD_SERVER_NAME);
}
END_TEST

START_TEST(client_against_s_server_by_address)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	struct fata_flow *tls;
	struct peer peer;
	struct net net;

	net_open(&net);
	start_s_server(&peer, port, "ip.crt", "ip.key", NULL, NULL);
	ck_assert_int_eq(client_connect(&net, config, port, "127.0.0.1", NULL, &tls), 0);
	write_text(&net, tls, "addr\n");
	expect_text(&net, tls, "rdda\n");
	tls_test_close(net.loop, tls);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

START_TEST(client_refuses_other_address)
{
	refused_by_client("ip.crt", "ip.key", "127.0.0.2", NULL, NULL, FATA_EAUTH,
			BR_ERR_X509_BAD_SERVER_NAME);
}
END_TEST

START_TEST(client_refuses_expired)
{
	refused_by_client("expired.crt", "expired.key", "localhost", NULL, NULL, FATA_EAUTH,
			BR_ERR_X509_EXPIRED);
}
END_TEST

START_TEST(client_refuses_unknown_ca)
{
	refused_by_client("unknown.crt", "unknown.key", "localhost", NULL, NULL, FATA_EAUTH,
			BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(client_refuses_self_signed)
{
	refused_by_client("self.crt", "self.key", "localhost", NULL, NULL, FATA_EAUTH,
			BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(client_refuses_tls10_server)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	char accept[32];
	char *argv[] = { "openssl", "s_server", "-accept", accept, "-cert", "rsa.crt",
		"-key", "rsa.key", "-naccept", "1", "-quiet", "-tls1",
		"-cipher", "DEFAULT@SECLEVEL=0", NULL };
	struct fata_flow *tls;
	struct peer peer;
	struct net net;

	snprintf(accept, sizeof accept, "127.0.0.1:%u", port);
	net_open(&net);
	peer_start(&peer, argv, NULL);
	ck_assert_int_eq(client_connect(&net, config, port, "localhost", NULL, &tls), FATA_ETLS);
	ck_assert_int_eq(fata_tls_last_error(tls, NULL, NULL), FATA_ETLS);
	tls_test_close(net.loop, tls);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

START_TEST(client_detects_truncation)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	struct fata_flow *tls;
	struct peer peer;
	struct net net;
	union fata_value value;

	net_open(&net);
	start_s_server(&peer, port, "rsa.crt", "rsa.key", NULL, NULL);
	ck_assert_int_eq(client_connect(&net, config, port, "localhost", NULL, &tls), 0);
	write_text(&net, tls, "cut\n");
	expect_text(&net, tls, "tuc\n");
	/* The server dies: its socket closes without a close_notify. */
	peer_kill(&peer);
	ck_assert_int_eq(tls_test_run(net.loop, fata_flow_read(tls), &value), FATA_ETRUNCATED);
	tls_test_close(net.loop, tls);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

START_TEST(client_against_gnutls_serv)
{
	struct fata_tls_client_config *config = client_config();
	uint16_t port = free_port();
	char port_text[16];
	char *argv[] = { "gnutls-serv", "--echo", "--port", port_text,
		"--x509certfile", "rsa.crt", "--x509keyfile", "rsa.key", NULL };
	struct fata_flow *tls;
	struct peer peer;
	struct net net;

	snprintf(port_text, sizeof port_text, "%u", port);
	net_open(&net);
	peer_start(&peer, argv, NULL);
	ck_assert_int_eq(client_connect(&net, config, port, "localhost", NULL, &tls), 0);
	write_text(&net, tls, "echo me\n");
	expect_text(&net, tls, "echo me\n");
	tls_test_close(net.loop, tls);
	peer_kill(&peer);
	net_close(&net);
	fata_tls_client_config_free(config);
}
END_TEST

/* A TLS server on 127.0.0.1 for one connection from a peer program. */
struct server {
	struct net net;
	struct fata_listener *listener;
	struct fata_tls_server_config *config;
	uint16_t port;
};

static void server_open(struct server *s)
{
	struct fata_sockaddr local = { .ip = fata_ipv4(127, 0, 0, 1), .port = 0 };
	struct fata_sockaddr bound;
	static const char *const protocols[] = { "http/1.1" };

	net_open(&s->net);
	s->config = fata_tls_server_config_new();
	ck_assert_int_eq(tls_test_add_cert(s->config, certs, "rsa.crt", "rsa.key"), 0);
	ck_assert_int_eq(tls_test_add_cert(s->config, certs, "ec.crt", "ec.key"), 0);
	ck_assert_int_eq(fata_tls_server_config_set_alpn(s->config, protocols, 1), 0);
	ck_assert_int_eq(fata_stack_listen(s->net.stack, &local, 4, NULL, &s->listener), 0);
	ck_assert_int_eq(s->listener->ops->get_local(s->listener, &bound), 0);
	s->port = bound.port;
}

static void server_close(struct server *s)
{
	if (s->listener)
		fata_listener_close(s->listener);
	fata_tls_server_config_free(s->config);
	net_close(&s->net);
}

/* Accepts one connection and wraps it; returns the TLS flow. */
static struct fata_flow *server_accept(struct server *s)
{
	union fata_value value;
	struct fata_flow *tls;

	ck_assert_int_eq(tls_test_run(s->net.loop, fata_listener_accept(s->listener), &value), 0);
	tls = fata_tls_server_wrap(s->config, value.ptr);
	ck_assert_ptr_nonnull(tls);
	return tls;
}

/* Echoes one line, then sends close_notify and closes. */
static void server_echo_line(struct server *s, struct fata_flow *tls, const char *line)
{
	ck_assert_int_eq(tls_test_run(s->net.loop, fata_tls_handshake(tls), NULL), 0);
	expect_text(&s->net, tls, line);
	write_text(&s->net, tls, line);
	ck_assert_int_eq(tls_test_run(s->net.loop, fata_flow_shutdown(tls), NULL), 0);
	tls_test_close(s->net.loop, tls);
}

static void start_s_client(struct peer *peer, uint16_t port, const char *name,
		const char *input, const char *extra1, const char *extra2, const char *extra3,
		const char *extra4)
{
	char connect[32];
	char *argv[] = { "openssl", "s_client", "-connect", connect, "-servername", (char *)name,
		"-CAfile", "ca.crt", "-verify_return_error", "-quiet",
		(char *)extra1, (char *)extra2, (char *)extra3, (char *)extra4, NULL };

	snprintf(connect, sizeof connect, "127.0.0.1:%u", port);
	peer_start(peer, argv, input);
}

START_TEST(server_against_s_client)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;

	server_open(&s);
	start_s_client(&peer, s.port, "localhost", "hello\n", "-alpn", "h2,http/1.1", NULL, NULL);
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), 0);
	ck_assert_str_eq(fata_tls_alpn(tls), "http/1.1");
	ck_assert_str_eq(fata_tls_server_name(tls), "localhost");
	server_echo_line(&s, tls, "hello\n");
	ck_assert_int_eq(peer_wait(&peer, 10), 0);
	ck_assert_ptr_nonnull(strstr(peer_output(&peer), "hello\n"));
	server_close(&s);
}
END_TEST

START_TEST(server_listener_wraps_accepts)
{
	struct fata_listener *tls_listener;
	struct fata_sockaddr bound;
	union fata_value value;
	struct fata_flow *tls;
	struct server s;
	struct peer peer;

	server_open(&s);
	ck_assert_int_eq(fata_tls_listener_new(s.config, s.listener, &tls_listener), 0);
	ck_assert_int_eq(tls_listener->ops->get_local(tls_listener, &bound), 0);
	ck_assert_uint_eq(bound.port, s.port);
	start_s_client(&peer, s.port, "localhost", "listener\n", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_listener_accept(tls_listener), &value), 0);
	tls = value.ptr;
	ck_assert_int_eq(fata_tls_is_tls(tls), 1);
	server_echo_line(&s, tls, "listener\n");
	ck_assert_int_eq(peer_wait(&peer, 10), 0);
	/* The TLS listener closes the inner one. */
	fata_listener_close(tls_listener);
	s.listener = NULL;
	server_close(&s);
}
END_TEST

START_TEST(server_sni_ecdsa_for_s_client)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;

	server_open(&s);
	start_s_client(&peer, s.port, "ec.example.test", "sni\n", NULL, NULL, NULL, NULL);
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(tls), BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	server_echo_line(&s, tls, "sni\n");
	ck_assert_int_eq(peer_wait(&peer, 10), 0);
	server_close(&s);
}
END_TEST

START_TEST(server_client_cert_from_s_client)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;
	size_t len;
	char *ca;

	server_open(&s);
	fata_tls_server_config_free(s.config);
	s.config = fata_tls_server_config_new();
	ck_assert_int_eq(tls_test_add_cert(s.config, certs, "rsa.crt", "rsa.key"), 0);
	ca = tls_test_read(certs, "ca.crt", &len);
	ck_assert_int_eq(fata_tls_server_config_set_client_auth(s.config,
			FATA_TLS_CLIENT_AUTH_REQUIRE, ca, len), 0);
	free(ca);
	start_s_client(&peer, s.port, "localhost", "cert\n", "-cert", "client.crt", "-key",
			"client.key");
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), 0);
	ck_assert_int_eq(fata_tls_peer_verified(tls), 1);
	server_echo_line(&s, tls, "cert\n");
	ck_assert_int_eq(peer_wait(&peer, 10), 0);
	server_close(&s);
}
END_TEST

START_TEST(server_refuses_tls10_client)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;

	server_open(&s);
	start_s_client(&peer, s.port, "localhost", "old\n", "-tls1", "-cipher",
			"DEFAULT@SECLEVEL=0", NULL);
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), FATA_ETLS);
	tls_test_close(s.net.loop, tls);
	ck_assert_int_ne(peer_wait(&peer, 10), 0);
	server_close(&s);
}
END_TEST

START_TEST(server_detects_truncation)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;
	union fata_value value;

	server_open(&s);
	start_s_client(&peer, s.port, "localhost", NULL, NULL, NULL, NULL, NULL);
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), 0);
	/*
	 * Once s_client has printed our line it has read everything, so its
	 * death closes the socket with a FIN rather than a reset.
	 */
	write_text(&s.net, tls, "marker\n");
	for (int i = 0; i < 100 && !strstr(peer_output(&peer), "marker"); i++)
		usleep(100000);
	ck_assert_ptr_nonnull(strstr(peer_output(&peer), "marker"));
	peer_kill(&peer);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_flow_read(tls), &value), FATA_ETRUNCATED);
	tls_test_close(s.net.loop, tls);
	server_close(&s);
}
END_TEST

START_TEST(server_against_gnutls_cli)
{
	struct server s;
	struct peer peer;
	struct fata_flow *tls;
	char port_text[16];
	char *argv[] = { "gnutls-cli", "--x509cafile", "ca.crt", "--port", port_text,
		"--sni-hostname", "localhost", "--verify-hostname", "localhost", "127.0.0.1", NULL };

	server_open(&s);
	snprintf(port_text, sizeof port_text, "%u", s.port);
	peer_start(&peer, argv, "gnutls\n");
	tls = server_accept(&s);
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_tls_handshake(tls), NULL), 0);
	expect_text(&s.net, tls, "gnutls\n");
	write_text(&s.net, tls, "gnutls\n");
	ck_assert_int_eq(tls_test_run(s.net.loop, fata_flow_shutdown(tls), NULL), 0);
	tls_test_close(s.net.loop, tls);
	ck_assert_int_eq(peer_wait(&peer, 10), 0);
	server_close(&s);
}
END_TEST

static int have_program(const char *name)
{
	char command[256];

	snprintf(command, sizeof command, "command -v %s >/dev/null 2>&1", name);
	return system(command) == 0;
}

static Suite *interop_suite(void)
{
	Suite *s = suite_create("tls_interop");
	TCase *tc = tcase_create("client");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, client_against_s_server_rsa);
	tcase_add_test(tc, client_against_s_server_ecdsa_alpn_resume);
	tcase_add_test(tc, client_refuses_wrong_hostname);
	tcase_add_test(tc, client_against_s_server_by_address);
	tcase_add_test(tc, client_refuses_other_address);
	tcase_add_test(tc, client_refuses_expired);
	tcase_add_test(tc, client_refuses_unknown_ca);
	tcase_add_test(tc, client_refuses_self_signed);
	tcase_add_test(tc, client_refuses_tls10_server);
	tcase_add_test(tc, client_detects_truncation);
	tcase_add_test(tc, client_against_gnutls_serv);
	suite_add_tcase(s, tc);

	tc = tcase_create("server");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, server_against_s_client);
	tcase_add_test(tc, server_listener_wraps_accepts);
	tcase_add_test(tc, server_sni_ecdsa_for_s_client);
	tcase_add_test(tc, server_client_cert_from_s_client);
	tcase_add_test(tc, server_refuses_tls10_client);
	tcase_add_test(tc, server_detects_truncation);
	tcase_add_test(tc, server_against_gnutls_cli);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner;
	int failed;

	if (!have_program("openssl") || !have_program("gnutls-cli") ||
			!have_program("gnutls-serv")) {
		fprintf(stderr, "skipped: openssl and gnutls-bin (gnutls-cli, gnutls-serv) are needed\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	tls_test_log_init();
	certs = tls_test_make_certs();
	if (!certs)
		return 1;
	runner = srunner_create(interop_suite());
	/* One test at a time: each starts its own peer process. */
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	tls_test_remove_certs(certs);
	return failed == 0 ? 0 : 1;
}
