"""The node's station side: pairing, TLS, station authentication, content hand-out,
receiving and storing response packages, monitoring."""
