"""Exam content packages: the versioned manifest format and its JSON Schema, the
builder, the encrypted (WinZip AES-256) archive reader that verifies every file, the
non-secret package facts, and the demo content. Decrypted content only ever lives in
memory."""
