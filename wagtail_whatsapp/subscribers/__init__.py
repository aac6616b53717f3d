"""The subscribers' data: blocking, GDPR export and erasure, importing an old broadcast list, and retention."""
