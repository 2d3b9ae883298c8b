"""`spso-xl digest --send` against a real SMTP server on 127.0.0.1 (aiosmtpd, started here; never a real
one): what arrives (headers, a text part and an HTML alternative, the sections), STARTTLS, a login from
the environment, and failures that say why, exit non-zero and still write --output."""

import email
import email.policy
import shutil
import socket
import subprocess

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.tracker import schema
from tests.reminders.test_digest import DAY, planted_rows


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def tracker_sending_to(folder, smtp: str):
    """The planted tracker with its Settings' digest rows filled in."""
    path = build_tracker(folder / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[schema.SETTINGS.name]
    values = {"Digest to": "jo.manager@spso.example, Team <team@spso.example>", "Digest from": "tracker@spso.example",
              "SMTP server": smtp}
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(path)
    return path


def parts(envelope):
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return msg, {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}


def test_the_email_arrives_with_both_parts(server, tmp_path, capsys):
    controller, inbox = server
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{controller.port}")
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 0
    assert "sent the digest" in capsys.readouterr().out
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "tracker@spso.example"
    assert sorted(envelope.rcpt_tos) == ["jo.manager@spso.example", "team@spso.example"]
    msg, body = parts(envelope)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]  # HTML preferred
    assert msg["Subject"].startswith("S&I digest 02/12/2026: 3 overdue, 1 due today")
    assert msg["From"] == "tracker@spso.example" and "team@spso.example" in msg["To"]
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Date"] and msg["Message-ID"]
    for part in body.values():
        for section in ("Overdue", "Due today", "Due soon", "Escalation recommended", "Chaser due", "Check"):
            assert section in part
        assert "SI-A" in part and "SI-E" not in part
    assert "<table" in body["text/html"] and "<table" not in body["text/plain"]


def test_owner_and_force_on_a_day_off(server, tmp_path, capsys):
    controller, inbox = server
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{controller.port}")
    assert main(["digest", str(path), "--as-of", "05/12/2026", "--send", "--owner", "AM"]) == 0
    assert not inbox.envelopes
    assert main(["digest", str(path), "--as-of", "05/12/2026", "--send", "--owner", "AM", "--force"]) == 0
    [envelope] = inbox.envelopes
    msg, body = parts(envelope)
    assert "(AM)" in msg["Subject"] and "not a working day" in body["text/plain"]
    assert "SI-B" in body["text/plain"] and "SI-A" not in body["text/plain"]


def test_a_refused_connection_says_why_and_still_writes_the_output(tmp_path, capsys):
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{free_port()}")  # nothing listens there
    out = tmp_path / "digest.html"
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send", "--format", "html",
                 "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "digest not sent" in err and "connection was refused" in err
    assert "Escalation recommended" in out.read_text()


def test_settings_without_the_digest_rows(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 1
    err = capsys.readouterr().err
    assert "Digest to, Digest from, SMTP server" in err and "nothing was sent" in err


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"jo" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture
def auth_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
def test_login_from_the_environment(auth_server, tmp_path, monkeypatch, capsys):
    controller, inbox = auth_server
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{controller.port}")
    monkeypatch.setenv("SPSO_SMTP_USER", "jo")
    monkeypatch.setenv("SPSO_SMTP_PASSWORD", "wrong")
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 1
    err = capsys.readouterr().err
    assert "refused the login for 'jo'" in err and "SPSO_SMTP_PASSWORD" in err and not inbox.envelopes
    monkeypatch.setenv("SPSO_SMTP_PASSWORD", "s3cret")
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 0
    assert len(inbox.envelopes) == 1


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A server that offers STARTTLS and refuses mail without it, with a certificate for 127.0.0.1 that the
    client trusts through SSL_CERT_FILE (as a company's own CA would be)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the test certificate")
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_starttls_when_the_server_offers_it(tls_server, tmp_path):
    controller, inbox = tls_server
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{controller.port}")
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 0
    [envelope] = inbox.envelopes  # the server takes no mail before STARTTLS (require_starttls)
    assert envelope.rcpt_tos


def test_an_untrusted_certificate_is_refused(tls_server, tmp_path, monkeypatch, capsys):
    controller, inbox = tls_server
    monkeypatch.delenv("SSL_CERT_FILE")
    path = tracker_sending_to(tmp_path, f"127.0.0.1:{controller.port}")
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 1
    assert "secure connection" in capsys.readouterr().err and not inbox.envelopes




def test_upgrade_adds_the_digest_settings_to_an_older_tracker(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[schema.SETTINGS.name]
    for row in reversed(range(2, ws.max_row + 1)):  # as a tracker built before the digest has them
        if ws.cell(row, 1).value in ("Digest to", "Digest from", "SMTP server"):
            ws.delete_rows(row)
    ws.tables[schema.SETTINGS.name].ref = f"A1:C{ws.max_row}"
    wb.save(path)
    assert main(["upgrade", str(path)]) == 0
    assert "added the Settings Digest to, Digest from, SMTP server" in capsys.readouterr().out
    keys = [r[0] for r in openpyxl.load_workbook(path)[schema.SETTINGS.name].iter_rows(min_row=2, values_only=True)]
    assert keys[-3:] == ["Digest to", "Digest from", "SMTP server"]
    assert main(["upgrade", str(path)]) == 0 and "up to date" in capsys.readouterr().out
    assert main(["digest", str(path), "--as-of", "02/12/2026", "--send"]) == 1  # blank rows: says which to fill
    assert "give no Digest to, Digest from, SMTP server" in capsys.readouterr().err
