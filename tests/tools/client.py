# Traffic curl cannot make, for tests/e2e_tools.sh (run in the client namespace):
#   pipelined HTTP/1.1 requests in one write; a request whose URL is split
#   over two TCP segments (the token spans them); a UDP datagram with the token.
import socket, sys, time

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def recv_all(s):
    s.settimeout(5)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    return out

# Three pipelined requests, one write; the server closes after the 404.
s = socket.create_connection((host, port))
s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
          b"GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n"
          b"GET /nope-pipelined HTTP/1.1\r\nHost: t\r\n\r\n")  # a 404 closes (python)
recv_all(s)
s.close()

# One request in two segments, split inside the token.
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
req = ("GET /split?%s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % token).encode()
cut = req.index(token.encode()) + len(token) // 2
s.sendall(req[:cut])
time.sleep(0.2)
s.sendall(req[cut:])
recv_all(s)
s.close()

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"udp payload with " + token.encode() + b" inside", (host, 9999))
