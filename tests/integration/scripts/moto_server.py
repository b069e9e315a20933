"""Runs moto's server mode (DynamoDB, among AWS's services) on 127.0.0.1 and a free port, and
prints its URL as the first line on stdout. Stops on SIGTERM, or when stdin reaches its end: the
test that started it has gone, whatever way it went."""

import signal
import sys
import threading

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())


def watch_parent():
    sys.stdin.read()
    stop.set()


threading.Thread(target=watch_parent, daemon=True).start()
stop.wait()
server.stop()
