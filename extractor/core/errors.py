"""The one error a bad input file raises, whatever its format."""


class InputError(Exception):
    """A file that cannot be read as a report. The message names the problem in one sentence."""
