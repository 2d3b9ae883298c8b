"""Sending the digest by SMTP (DESIGN §15): one multipart/alternative message, the plain text first and
the HTML as the preferred part; STARTTLS whenever the server offers it; a user name and password only
from the environment (`SPSO_SMTP_USER`, `SPSO_SMTP_PASSWORD`), never from the workbook.

A failed send raises `SendFailed`, whose message says what went wrong in words a manager can act on."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from spso_xl.errors import SpsoError

USER_VARIABLE, PASSWORD_VARIABLE = "SPSO_SMTP_USER", "SPSO_SMTP_PASSWORD"


class SendFailed(SpsoError, RuntimeError):
    """The digest could not be sent; the message says why."""


@dataclass(frozen=True)
class Route:
    sender: str
    to: tuple[str, ...]
    host: str
    port: int


def route(settings) -> Route:
    """Where the digest goes, from Settings `Digest to`, `Digest from` and `SMTP server` (host[:port])."""
    missing = [key for key, value in (("Digest to", settings.digest_to), ("Digest from", settings.digest_from),
                                      ("SMTP server", settings.smtp_server)) if not str(value).strip()]
    if missing:
        raise SendFailed(f"the tracker's Settings give no {', '.join(missing)}: fill in "
                         f"{'that row' if len(missing) == 1 else 'those rows'} on the Settings sheet (an older tracker "
                         f"without them: spso-xl upgrade adds them); nothing was sent")
    to = tuple(addr for _, addr in getaddresses([str(settings.digest_to).replace(";", ",")]) if "@" in addr)
    if not to:
        raise SendFailed(f"Settings 'Digest to' ({settings.digest_to!r}) holds no email address; nothing was sent")
    host, _, port = str(settings.smtp_server).strip().rpartition(":") if ":" in str(settings.smtp_server) else (
        str(settings.smtp_server).strip(), "", "25")
    if not port.isdigit() or not host:
        raise SendFailed(f"Settings 'SMTP server' ({settings.smtp_server!r}) is not host or host:port, e.g. "
                         f"smtp.example.org:587; nothing was sent")
    return Route(str(settings.digest_from).strip(), to, host.strip("[]"), int(port))


def message(subject: str, text: str, html: str, r: Route) -> EmailMessage:
    """The email: text/plain with a text/html alternative (the HTML is what mail clients show)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = r.sender
    msg["To"] = ", ".join(r.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=r.sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a scheduled job
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(msg: EmailMessage, r: Route, user: str | None = None, password: str | None = None,
         timeout: float = 30, context: ssl.SSLContext | None = None) -> None:
    """Send through the route's server: SSL on port 465, else STARTTLS when offered; log in when a user is given."""
    where = f"{r.host}:{r.port}"
    context = context or ssl.create_default_context()
    try:
        if r.port == 465:
            smtp = smtplib.SMTP_SSL(r.host, r.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(r.host, r.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if r.port != 465 and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if user:
                smtp.login(user, password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as e:
        raise SendFailed(f"the mail server {where} refused the login for {user!r} ({_said(e)}): check "
                         f"{USER_VARIABLE} and {PASSWORD_VARIABLE}; nothing was sent") from None
    except smtplib.SMTPNotSupportedError:
        raise SendFailed(f"the mail server {where} does not accept a login: unset {USER_VARIABLE}, or ask "
                         f"for the server that does; nothing was sent") from None
    except smtplib.SMTPRecipientsRefused as e:
        raise SendFailed(f"the mail server {where} refused every recipient "
                         f"({'; '.join(f'{a}: {_said(v)}' for a, v in e.recipients.items())}); nothing was sent") from None
    except smtplib.SMTPSenderRefused as e:
        raise SendFailed(f"the mail server {where} refused the sender {e.sender!r} ({_said(e)}): check Settings "
                         f"'Digest from'; nothing was sent") from None
    except smtplib.SMTPResponseException as e:
        raise SendFailed(f"the mail server {where} answered {_said(e)}; nothing was sent") from None
    except ssl.SSLError as e:
        raise SendFailed(f"the secure connection to {where} failed ({e.reason or e}); nothing was sent") from None
    except (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError, smtplib.SMTPException) as e:
        why = ("the connection was refused: is the server name and port right, and is it running?"
               if isinstance(e, ConnectionRefusedError) else
               "the server name is not known" if isinstance(e, socket.gaierror) else
               "no answer in time" if isinstance(e, (TimeoutError, socket.timeout)) else str(e) or type(e).__name__)
        raise SendFailed(f"could not reach the mail server {where}: {why}; nothing was sent") from None
    if refused:
        raise SendFailed(f"sent, but the mail server {where} refused "
                         f"{'; '.join(f'{a}: {_said(v)}' for a, v in refused.items())}")


def _said(e) -> str:
    code, text = (e.smtp_code, e.smtp_error) if hasattr(e, "smtp_code") else e
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()
