"""Telegram glue: one feature per module; `handlers.app.build_application` wires them."""
