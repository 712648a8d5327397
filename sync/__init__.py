"""Moving sealed packets and receipts: the uploader, USB transfer and the reference receiver.

Depends on ``station`` (the packet format), never on ``ui``.
"""
