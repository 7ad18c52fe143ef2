"""The report structure: sections, field definitions with their aggregation rules, and their
validity in time (``sections`` the use cases, ``inputs`` what a write may say, ``versions`` how a
change closes old field versions and opens new ones)."""
