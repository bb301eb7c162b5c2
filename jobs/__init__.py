"""Background jobs. Each takes ids, reloads its rows, commits once, and may run twice safely."""
