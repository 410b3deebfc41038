"""What every stage shares: text and its offset map, the field registry and labels, numbers, the
record's types and its rules."""
