"""Exit codes and the exceptions users can act on.

The exit codes are a stable interface: whoever schedules `perda run` may branch on them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of every `perda` command."""

    ok = 0
    input_rejected = 1  # some workbook or row was rejected; reports were written
    config_error = 2  # config.toml or a template is wrong; nothing was processed
    already_running = 3  # another watcher holds the lock on these folders
    other_error = 15  # unexpected failure; the log has the traceback
    usage_error = 64  # a wrong command-line value (sysexits EX_USAGE)
    ctrl_c = 130  # stopped by Ctrl+C / SIGINT


class PerdaError(Exception):
    """Base of the expected failures: carries an exit code and an Indonesian message."""

    exit_code: ExitCode = ExitCode.other_error

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(PerdaError):
    """config.toml is missing, unreadable or has a wrong key, type or value."""

    exit_code = ExitCode.config_error


class TemplateError(PerdaError):
    """A letter template is missing, damaged, or uses an unknown variable."""

    exit_code = ExitCode.config_error


class UsageError(PerdaError):
    """A command-line value is wrong (a month, an existing file to write)."""

    exit_code = ExitCode.usage_error


class AlreadyRunning(PerdaError):
    """Another `perda watch` or `perda run` holds the lock on the same folders."""

    exit_code = ExitCode.already_running
