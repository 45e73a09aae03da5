"""The city's lists: records as models, loading and validation, JSON Schemas, the derived cache."""
