#!/usr/bin/env python3
"""pty2tcp.py PTY PORT: serve a serial device (a pty) on 127.0.0.1:PORT,
one client at a time, relaying bytes both ways unchanged.  Lets tools that
want a TCP serial endpoint (slowlink) reach the fake board."""
import os
import select
import socket
import sys
import tty


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    print("listening", flush=True)
    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        try:
            while True:
                r, _, _ = select.select([conn, fd], [], [])
                if conn in r:
                    data = conn.recv(65536)
                    if not data:
                        break
                    os.write(fd, data)
                if fd in r:
                    conn.sendall(os.read(fd, 65536))
        except OSError:
            pass
        finally:
            os.close(fd)
            conn.close()


if __name__ == "__main__":
    main()
