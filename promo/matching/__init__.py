"""Matching a visitor's free text: normalisation, the linker, the profile, what to say and whom to approach."""
