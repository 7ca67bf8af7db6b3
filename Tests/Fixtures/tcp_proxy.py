#!/usr/bin/env python3
"""A TCP proxy to PostgreSQL that a test can cut and restore, to play "the database went away".

usage: tcp_proxy.py TARGET_HOST TARGET_PORT
Listens on a free port of 127.0.0.1 and prints "ready PORT" on stdout. SIGUSR1 cuts: every open
connection is closed and new ones are closed as soon as they are accepted (as a server that has
gone). SIGUSR2 restores forwarding. SIGTERM ends it.
"""
import selectors
import signal
import socket
import sys

target = (sys.argv[1], int(sys.argv[2]))
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
listener.setblocking(False)
selector = selectors.DefaultSelector()
selector.register(listener, selectors.EVENT_READ)
peers = {}  # socket -> the socket it forwards to
state = {"down": False}


def close(sock):
    other = peers.pop(sock, None)
    for s in (sock, other):
        if s is None:
            continue
        peers.pop(s, None)
        try:
            selector.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()


def cut(*_):
    state["down"] = True
    for sock in list(peers):
        close(sock)


def restore(*_):
    state["down"] = False


# A parent may start us with signals blocked (Foundation's Process passes its thread's mask on).
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM})
signal.signal(signal.SIGUSR1, cut)
signal.signal(signal.SIGUSR2, restore)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"ready {listener.getsockname()[1]}", flush=True)

while True:
    try:
        events = selector.select(timeout=0.5)
    except InterruptedError:
        continue
    for key, _ in events:
        sock = key.fileobj
        if sock is listener:
            try:
                client, _ = listener.accept()
            except BlockingIOError:
                continue
            if state["down"]:
                client.close()
                continue
            try:
                server = socket.create_connection(target, timeout=2)
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setblocking(False)
                selector.register(s, selectors.EVENT_READ)
            peers[client], peers[server] = server, client
            continue
        if sock not in peers:
            continue
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            close(sock)
            continue
        try:
            peers[sock].setblocking(True)
            peers[sock].sendall(data)
            peers[sock].setblocking(False)
        except (OSError, KeyError):
            close(sock)
