"""The reference receiver: takes sealed packets from stations, exactly once, and signs receipts.

A small real server (Starlette under uvicorn) and the shared code path it and the USB import use.
The protocol is specified in ``docs/sync.md``; the packet format in ``docs/packet.md``.

* ``errors``: the receiver's errors, each with a protocol code and a Vietnamese/English message.
* ``keys``: the receiver's private key set (several HPKE generations, one receipt-signing key).
* ``store``: the database (SQLAlchemy 2: SQLite by default, PostgreSQL by URL) and the files.
* ``core``: registration, resumable uploads with a compare-and-set on the offset, verification,
  deduplication, receipts, statuses.
* ``usb``: importing a station's USB export and writing the receipts folder.
* ``app``: the HTTP API; ``server``: running it under uvicorn; ``cli``: the command line.
"""
