"""Channels: thin adapters that turn input into a message and render the Reply."""
