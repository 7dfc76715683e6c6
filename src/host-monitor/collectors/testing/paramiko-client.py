"""An SSH client whose user name, method name, keyboard-interactive submethods and version string are any text.

Paramiko (Debian's python3-paramiko) does the transport; OpenSSH's own client refuses user names with quotes,
parentheses or control characters, and sends only the methods it knows. Run in the attacker's namespace: reads one
JSON request on stdin ({host, port, localAddress, version?, steps: [{method, user, password?, submethods?}]}),
prints {"localPort": N} when done.
"""

import json
import socket
import sys
import threading

import paramiko
from paramiko.auth_handler import AuthHandler
from paramiko.common import MSG_SERVICE_ACCEPT, cMSG_USERAUTH_REQUEST
from paramiko.message import Message


class AnyMethodAuthHandler(AuthHandler):
    """Paramiko's handler, but a method it does not know is sent as a bare request instead of refused."""

    def _parse_any_service_accept(self, m):
        if self.auth_method in ("password", "none", "keyboard-interactive"):
            return self._parse_service_accept(m)
        m.get_text()
        request = Message()
        request.add_byte(cMSG_USERAUTH_REQUEST)
        request.add_string(self.username)
        request.add_string("ssh-connection")
        request.add_string(self.auth_method)
        self.transport._send_message(request)

    _client_handler_table = {**AuthHandler._client_handler_table, MSG_SERVICE_ACCEPT: _parse_any_service_accept}


def request_method(transport, user, method):
    """Sends a userauth request for a method sshd does not know: user, service, method name, nothing else."""
    handler = AnyMethodAuthHandler(transport)
    transport.auth_handler = handler
    event = threading.Event()
    with transport.lock:
        handler.auth_event = event
        handler.auth_method = method
        handler.username = user
        handler._request_auth()
    try:
        handler.wait_for_response(event)
    except paramiko.SSHException:
        pass


def run(request):
    sock = socket.socket(socket.AF_INET6 if ":" in request["host"] else socket.AF_INET)
    sock.bind((request["localAddress"], 0))
    sock.settimeout(15)
    sock.connect((request["host"], request["port"]))
    local_port = sock.getsockname()[1]
    transport = paramiko.Transport(sock)
    if request.get("version"):
        transport.local_version = request["version"]
    try:
        transport.start_client(timeout=15)
        for step in request["steps"]:
            user, method = step["user"], step["method"]
            try:
                if method == "password":
                    transport.auth_password(user, step.get("password", "wrong-password"), fallback=False)
                elif method == "none":
                    transport.auth_none(user)
                elif method == "keyboard-interactive":
                    transport.auth_interactive(user, lambda *_: ["wrong-password"], step.get("submethods", ""))
                else:
                    request_method(transport, user, method)
            except paramiko.AuthenticationException:
                pass
            if not transport.is_active():
                break
    except (paramiko.SSHException, OSError, EOFError):
        pass
    finally:
        transport.close()
    print(json.dumps({"localPort": local_port}))


if __name__ == "__main__":
    run(json.load(sys.stdin))
