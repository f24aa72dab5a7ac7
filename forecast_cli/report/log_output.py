"""What reaches a log file or the terminal: data (series ids, column names, paths, error texts) with its
control characters escaped, so that a value can neither start a new log line (`x\\n<a command> #`)
nor send terminal escape sequences; and log files opened without following a planted link.

The job logging config (conf/hydra/job_logging/forecast.yaml) names both classes.
"""

import logging
import os
import re

# C0 controls but tab, DEL and C1 controls (ESC starts terminal sequences; CR/LF start new lines)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`): one line, no effects."""
    return _CONTROL.sub(_escape, str(text))


def _escape(match: "re.Match[str]") -> str:
    char = match.group(0)
    return {"\n": "\\n", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}")


class EscapingFormatter(logging.Formatter):
    """A formatter whose message is one line of printable text; a traceback (exc_info) keeps its lines,
    which are the program's own."""

    def format(self, record: logging.LogRecord) -> str:
        escaped = logging.makeLogRecord(record.__dict__)
        escaped.msg, escaped.args = printable(record.getMessage()), None
        return super().format(escaped)


class NoFollowFileHandler(logging.FileHandler):
    """A FileHandler that appends only to a regular file reached without a symbolic link: a `train.log`
    or `evaluate.log` planted in a run as a link to another file is refused instead of written through."""

    def _open(self):
        from forecast_cli.run.untrusted import open_regular

        fd = open_regular(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)
