"""Replays of recorded market channels, the recorder that makes them, and journal inspection."""
