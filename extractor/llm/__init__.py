"""The model path: an instructor-typed call for what the rules left open, grounded in the report's own text."""
