"""The services: everything the service knows and does, below the web shell (`app/`,
`admin/`) and the background jobs (`jobs/`), above the pure engine (`conversation/`) and the
parsers (`parsers/`). Nothing here imports upward; nothing here commits."""
