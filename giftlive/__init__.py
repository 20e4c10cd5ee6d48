"""GiftLive: a streaming system for live-stream gifting (shared schema, config and CLI)."""

__version__ = "0.1.0"
