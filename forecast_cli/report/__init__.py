"""What people read from a run: the PNG charts (`plots`), log lines and terminal text with control characters
escaped (`log_output`), and a paper's published figures beside a run's own (`published`)."""
