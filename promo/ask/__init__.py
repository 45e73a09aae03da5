"""The seven lists asked in a chat: what a message asks for, the typed answers of each list, events, investor problems, the pre-meeting brief."""
