"""Bytes to text: plain text in any encoding, HTML, PDF and Word, all written as the same lines and `| a | b |` rows."""
