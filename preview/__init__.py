"""Offline preview: run the program under the SDK's mock engine and write what it would create."""
