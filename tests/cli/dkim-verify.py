#!/usr/bin/env python3
"""Verifies the DKIM signature of a message with Debian's python3-dkim.

Usage: dkim-verify.py MESSAGE TXT-RECORD-FILE
The TXT record is what the selector's DNS name would hold; it is given
to the library in place of a DNS lookup.  Exits 0 when the signature
verifies.
"""
import sys

import dkim

msg = open(sys.argv[1], 'rb').read()
record = open(sys.argv[2], 'rb').read().strip()
ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: record)
sys.exit(0 if ok else 1)
