"""Delivery reports as a receiving mail server sends them back, for tests of
bounce handling."""


def mailbox_full_report(verp: str, recipient: str, message_id: str) -> bytes:
    """An RFC 3464 report to our VERP address: `recipient`'s mailbox is full
    (5.2.2), returning the headers of our message `message_id`."""
    return (
        f"From: MAILER-DAEMON@mx.customer.test\r\nTo: {verp}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=rep\r\n\r\n"
        "--rep\r\nContent-Type: text/plain\r\n\r\nThe mailbox is full.\r\n"
        "--rep\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        f"Diagnostic-Code: smtp; 552 5.2.2 {recipient}: mailbox full\r\n\r\n"
        f"--rep\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n"
        "Subject: whatever\r\n\r\n--rep--\r\n").encode()
