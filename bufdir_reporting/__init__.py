"""Bufdir reporting API: activities aggregated into the reports organisations owe Bufdir."""
