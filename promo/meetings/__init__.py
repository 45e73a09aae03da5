"""Meeting logs: parsing one chat message into fields (`parse`, `dates`, `amounts`), storage,
projects/funnel, follow-ups, export."""
