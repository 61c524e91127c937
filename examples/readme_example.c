/* SPDX-License-Identifier: MIT */
/*
 * readme_example.c - the line client from README.md, as a program.
 *
 *   build/examples/readme_example PORT ["COMMAND"]
 *
 * Connects to 127.0.0.1:PORT, sends COMMAND (default "PING") followed by
 * "\r\n", and prints the one-line reply. Try it against a local redis-server
 * (PING -> +PONG) or a Tor control port (PROTOCOLINFO 1 -> 250-PROTOCOLINFO 1).
 */
#define _POSIX_C_SOURCE 200809L

#include <btcsock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends one command and reads one '\n'-terminated reply into reply[0..cap). */
static btc_status ask(const btc_sock *s, const char *command, char *reply, size_t cap, btc_error *err)
{
    btc_status st = btc_sock_send_complete(s, command, strlen(command), 5000, NULL, err);
    if (st != BTC_OK)
        return st; /* err->bytes says how much of the command went out */

    size_t len = 0;
    st = btc_sock_recv_until_terminator(s, '\n', 5000, NULL, cap, reply, &len, 0, err);
    if (st == BTC_OK && len > 0 && reply[len - 1] == '\r')
        reply[len - 1] = '\0'; /* CRLF protocols: drop the '\r' too */
    /* On error, reply[0..len) still holds every byte consumed from the socket. */
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [COMMAND]\n", argv[0]);
        return 2;
    }
    char command[512];
    snprintf(command, sizeof command, "%s\r\n", argc > 2 ? argv[2] : "PING");

    /* A plain blocking socket is fine: btcsock never blocks past its deadline. */
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("connect");
        if (fd >= 0)
            close(fd);
        return 1;
    }
    btc_sock s = BTC_SOCK_INIT;
    btc_sock_from_fd(&s, fd); /* s owns fd now */

    char reply[4096];
    btc_error err;
    btc_status st = ask(&s, command, reply, sizeof reply, &err);
    if (st == BTC_OK)
        printf("%s\n", reply);
    else
        fprintf(stderr, "%s: %s (%zu bytes)\n", btc_status_name(st), err.message, err.bytes);
    (void)btc_sock_reset(&s, NULL);
    return st == BTC_OK ? 0 : 1;
}
