"""Runs moto's server mode (DynamoDB, among AWS's services) on 127.0.0.1 and a free port, and
prints its URL as the first line on stdout. Stops on SIGTERM, or when stdin reaches its end: the
test that started it has gone, whatever way it went.

Requests are handled one at a time. moto serves each on its own thread and checks a
ConditionExpression, then writes, with nothing held between the two, so two conditional PutItems
racing for one item could both succeed (seen: two processes took one quota slot, 55 ms apart).
DynamoDB's conditional writes are atomic; one request at a time makes moto's so too."""

import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class OneAtATime:
    """A WSGI app that runs `app` for one request at a time, its response read in full."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))


# What moto's ThreadedMotoServer serves, with the lock around it.
app = OneAtATime(DomainDispatcherApplication(create_backend_app))
server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
host, port = server.server_address[:2]
print(f"http://{host}:{port}", flush=True)

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())


def watch_parent():
    sys.stdin.read()
    stop.set()


threading.Thread(target=watch_parent, daemon=True).start()
stop.wait()
server.shutdown()
